"""The levels of the organisation: the 党支部 under the 机关党委 and the 党小组 under them. The boards,
the 积分公示 and the 学习强国 figures rank the members of the 党支部; someone placed above them (an
administrator of the 机关党委 itself) studies for no branch and is ranked nowhere."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhall import db
from studyhall.accounts import branch_order
from studyhall.accounts.models import Branch, User


class Level(enum.StrEnum):
    BRANCH = "branch"  # 党支部
    GROUP = "group"  # 党小组


_TREE = "studyhall.accounts.tree"


@dataclass
class Tree:
    """The organisation's levels: the 党支部 are the children of a top branch (the 机关党委), or a
    top branch with none (a 党支部 on its own); their children are 党小组."""

    names: dict[int, str]
    parent: dict[int, int | None]
    branches: list[int]  # 党支部, in branch order
    groups: list[int]  # 党小组, in branch order

    @classmethod
    def read(cls, session: Session) -> Tree:
        """The tree as this transaction sees it, read once: a page asks for several boards."""
        cache = db.transaction_info(session)
        if _TREE not in cache:
            cache[_TREE] = cls._read(session)
        tree: Tree = cache[_TREE]
        return tree

    @classmethod
    def _read(cls, session: Session) -> Tree:
        # Plain rows, not Branch objects: loading 500 of them took longer than the board.
        rows = session.execute(select(Branch.id, Branch.name, Branch.parent_id, Branch.sort_order)).all()
        ordered = sorted(rows, key=lambda branch: branch_order.name_key(branch.name, branch.sort_order))
        names = {branch.id: branch.name for branch in ordered}
        parent = {branch.id: branch.parent_id for branch in ordered}
        tops = {branch.id for branch in ordered if branch.parent_id is None}
        with_children = {branch.parent_id for branch in ordered}
        level_one = [
            branch.id
            for branch in ordered
            if branch.parent_id in tops or (branch.id in tops and branch.id not in with_children)
        ]
        chosen = set(level_one)
        groups = [branch.id for branch in ordered if branch.parent_id in chosen]
        return cls(names, parent, level_one, groups)

    @functools.cached_property
    def members(self) -> set[int]:
        """Every branch at or below a 党支部: its people are on the boards."""
        return {branch for branch in self.names if self.unit_of(branch, Level.BRANCH) is not None}

    @functools.cached_property
    def outside(self) -> set[int]:
        """The branches above the 党支部 (the 机关党委)."""
        return set(self.names) - self.members

    def path(self, branch_id: int | None) -> str:
        """Where a person is, from their 党支部 down: 第一党支部 / 第二党小组 (every 党支部 may have a
        第二党小组); above the 党支部 level, the branch itself."""
        names: list[str] = []
        current = branch_id
        while current is not None and current in self.names and len(names) <= len(self.names):
            names.append(self.names[current])
            if current in self.branches:
                break
            current = self.parent[current]
        else:
            names = names[:1]  # in the 机关党委 itself, or in no 党支部
        return " / ".join(reversed(names))

    def unit_of(self, branch_id: int, level: Level) -> int | None:
        """The 党支部 (or 党小组) a person of this branch counts for, if any."""
        units = self.branches if level is Level.BRANCH else self.groups
        current: int | None = branch_id
        while current is not None:
            if current in units:
                return current
            current = self.parent.get(current)
        return None


def ranked_branches(session: Session, branch_ids: set[int] | None = None) -> set[int]:
    """The branches whose members a board of `branch_ids` (None: the whole organisation) ranks."""
    tree = Tree.read(session)
    return tree.members if branch_ids is None else branch_ids & tree.members


def on_board(session: Session, user: User, branch_ids: set[int] | None = None) -> bool:
    """Whether the person is ranked on the board of `branch_ids` (None: the whole organisation)."""
    return user.active and user.branch_id in ranked_branches(session, branch_ids)
