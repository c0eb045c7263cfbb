"""Bulk import of people from .xlsx/.csv: parse, plan every row, then apply all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhall.accounts import branch_order, service
from studyhall.accounts.models import Branch, Role, User
from studyhall.errors import DomainError, ErrorCode
from studyhall.tabular import (
    FileProblem,
    Limits,
    Problem,
    ProblemListing,
    Row,
    Sheet,
    find_header,
    list_problems,
    read_rows,
    xlsx_bytes,
)

# Canonical column → header texts accepted for it (Chinese templates vary).
COLUMNS: dict[str, tuple[str, ...]] = {
    "工号": ("工号", "用户名", "账号", "帐号", "警号"),
    "姓名": ("姓名", "名字", "显示名"),
    "党支部": ("党支部", "支部", "所在支部", "所在党支部"),
    "党小组": ("党小组", "小组", "所在党小组"),
    "角色": ("角色", "身份"),
    "初始密码": ("初始密码", "密码"),
}
REQUIRED = ("工号", "姓名", "党支部")
# Confirming hashes a generated password for each new person (about 5 ms each): 2,000 people take
# about 10 s. A bigger organisation imports in several files.
LIMITS = Limits(rows=2_000, cells=2_000 * 20)
ROLE_NAMES: dict[str, Role] = {
    "干警": Role.CADRE,
    "党员": Role.CADRE,
    "cadre": Role.CADRE,
    "支部书记": Role.SECRETARY,
    "书记": Role.SECRETARY,
    "secretary": Role.SECRETARY,
    "管理员": Role.ADMIN,
    "党务干部": Role.ADMIN,
    "admin": Role.ADMIN,
}


@dataclass
class PlannedRow:
    row: int
    username: str
    display_name: str
    branch: str
    group: str
    role: Role
    password: str
    action: str = "create"  # create / update / unchanged / invalid
    changes: list[str] = field(default_factory=list)
    new_branch: bool = False  # its 党支部/党小组 does not exist yet


@dataclass
class ImportPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # (党支部, 党小组 or "") pairs that do not exist yet
    missing_branches: list[tuple[str, str]] = field(default_factory=list)
    create_branches: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems and (self.create_branches or not self.missing_branches)

    def listing(self) -> ProblemListing:
        return list_problems(self.problems)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    branches_created: int
    passwords: list[tuple[str, str, str]]  # 工号, 姓名, generated password


def plan_import(session: Session, filename: str, data: bytes, *, create_branches: bool) -> ImportPlan:
    """Check every row against the file and the database; writes nothing."""
    plan = ImportPlan(create_branches=create_branches)
    try:
        rows = read_rows(filename, data, LIMITS)
        header_index, columns = find_header(rows, COLUMNS, REQUIRED)
    except FileProblem as problem:
        plan.problems.append(Problem(None, "", str(problem)))
        return plan
    body = rows[header_index + 1 :]
    if not body:
        plan.problems.append(Problem(None, "", _("The file has a header but no people.")))
        return plan

    resolver = _BranchResolver(session)
    first_row_of: dict[str, int] = {}
    existing = service.usernames(session, (row.get(columns.get("工号")) for row in body))
    for row in body:
        planned = _plan_row(row, columns, plan)
        plan.rows.append(planned)
        if planned.username in first_row_of:
            plan.problems.append(
                Problem(
                    row.number,
                    "工号",
                    _(
                        "工号 %(username)s already appears on row %(row)d.",
                        username=planned.username,
                        row=first_row_of[planned.username],
                    ),
                )
            )
            planned.action = "invalid"
        elif planned.username:
            first_row_of[planned.username] = row.number
        if planned.action == "invalid":
            continue
        missing = resolver.missing(planned.branch, planned.group)
        planned.new_branch = missing is not None
        if missing and missing not in plan.missing_branches:
            plan.missing_branches.append(missing)
        user = existing.get(planned.username)
        if user is not None:
            _compare(planned, user, resolver)
    plan.missing_branches.sort(
        key=lambda names: (branch_order.name_key(names[0]), branch_order.name_key(names[1]))
    )
    _keep_an_administrator(session, plan, existing)
    return plan


def _keep_an_administrator(session: Session, plan: ImportPlan, existing: dict[str, User]) -> None:
    """An import may take the administrator role from people, but not from every active one:
    nobody could then manage studyhall. (An empty 角色 means 干警, so a file of everyone can do it
    by accident.)"""
    demoting = [
        row
        for row in plan.rows
        if row.action == "update" and existing[row.username].role == Role.ADMIN and row.role != Role.ADMIN
    ]
    if not demoting:
        return
    administrators = set(session.scalars(select(User.username).where(User.role == Role.ADMIN, User.active)))
    staying = administrators - {row.username for row in demoting}
    arriving = [row for row in plan.rows if row.action == "create" and row.role == Role.ADMIN]
    if staying or arriving:
        return
    for row in demoting:
        plan.problems.append(
            Problem(
                row.row,
                "角色",
                _(
                    "This row takes the administrator role from %(username)s, and no active administrator "
                    "would remain. Keep 管理员 in the 角色 column of at least one administrator.",
                    username=row.username,
                ),
            )
        )


def _plan_row(row: Row, columns: dict[str, int], plan: ImportPlan) -> PlannedRow:
    def cell(name: str) -> str:
        return row.get(columns.get(name)).strip()

    problems_before = len(plan.problems)
    username = cell("工号")
    if not username:
        plan.problems.append(Problem(row.number, "工号", _("工号 is empty.")))
    else:
        try:
            service.check_username(username)
        except DomainError as error:
            plan.problems.append(Problem(row.number, "工号", error.message))
    display_name = cell("姓名")
    if not display_name:
        plan.problems.append(Problem(row.number, "姓名", _("姓名 is empty.")))
    elif len(display_name) > 100:
        plan.problems.append(Problem(row.number, "姓名", _("姓名 is longer than 100 characters.")))
    branch = cell("党支部")
    if not branch:
        plan.problems.append(Problem(row.number, "党支部", _("党支部 is empty.")))
    role_text = cell("角色")
    role = (
        ROLE_NAMES.get(role_text.lower() if role_text.isascii() else role_text) if role_text else Role.CADRE
    )
    if role is None:
        plan.problems.append(
            Problem(
                row.number,
                "角色",
                _("Unknown role “%(role)s”: use 干警, 支部书记 or 管理员.", role=role_text),
            )
        )
    password = cell("初始密码")
    if password:
        try:
            service.check_new_password(password, own=(username, display_name))
        except DomainError as error:
            plan.problems.append(Problem(row.number, "初始密码", error.message))
    return PlannedRow(
        row=row.number,
        username=username,
        display_name=display_name,
        branch=branch,
        group=cell("党小组"),
        role=role or Role.CADRE,
        password=password,
        action="invalid" if len(plan.problems) > problems_before else "create",
    )


def _compare(planned: PlannedRow, user: User, resolver: _BranchResolver) -> None:
    changes = []
    if user.display_name != planned.display_name:
        changes.append(_("姓名: %(old)s → %(new)s", old=user.display_name, new=planned.display_name))
    target = resolver.find(planned.branch, planned.group)
    if target is None or target.id != user.branch_id:
        old = service.branch_path(user.branch) or "—"
        changes.append(
            _(
                "branch: %(old)s → %(new)s",
                old=old,
                new=" / ".join(filter(None, (planned.branch, planned.group))),
            )
        )
    if user.role != planned.role:
        changes.append(_("role: %(old)s → %(new)s", old=user.role.value, new=planned.role.value))
    planned.action = "update" if changes else "unchanged"
    planned.changes = changes


class _BranchResolver:
    """Finds a row's 党支部 (a top-level branch or a child of one) and its 党小组."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.branches = list(session.scalars(select(Branch)))
        self.roots = [b for b in self.branches if b.parent_id is None]
        root_ids = {root.id for root in self.roots}
        self.by_name: dict[str, list[Branch]] = {}
        for branch in self.branches:
            if branch.parent_id is None or branch.parent_id in root_ids:
                self.by_name.setdefault(branch.name, []).append(branch)

    def _branch(self, name: str) -> Branch | None:
        candidates = self.by_name.get(name, [])
        # A child of the root wins over the root itself when both share a name.
        candidates.sort(key=lambda b: b.parent_id is None)
        return candidates[0] if candidates else None

    def find(self, branch_name: str, group_name: str) -> Branch | None:
        branch = self._branch(branch_name)
        if branch is None or not group_name:
            return branch
        return next(
            (child for child in self.branches if child.parent_id == branch.id and child.name == group_name),
            None,
        )

    def missing(self, branch_name: str, group_name: str) -> tuple[str, str] | None:
        if self._branch(branch_name) is None:
            return (branch_name, group_name)
        if group_name and self.find(branch_name, group_name) is None:
            return (branch_name, group_name)
        return None

    def ensure(
        self, branch_name: str, group_name: str, actor: User | None, now: datetime
    ) -> tuple[Branch, int]:
        created = 0
        branch = self._branch(branch_name)
        if branch is None:
            parent_id = self.roots[0].id if len(self.roots) == 1 else None
            branch = service.create_branch(self.session, actor, branch_name, parent_id, now=now)
            self.branches.append(branch)
            self.by_name.setdefault(branch_name, []).append(branch)
            created += 1
        if not group_name:
            return branch, created
        group = self.find(branch_name, group_name)
        if group is None:
            group = service.create_branch(self.session, actor, group_name, branch.id, now=now)
            self.branches.append(group)
            created += 1
        return group, created


def apply_import(session: Session, actor: User | None, plan: ImportPlan, *, now: datetime) -> ImportResult:
    """Write a checked plan in the caller's transaction; the caller commits or rolls back. No actor: the
    command line before any administrator exists, recorded as the system."""
    if not plan.ok:
        raise DomainError(_("The file still has problems; nothing was imported."), ErrorCode.INVALID)
    resolver = _BranchResolver(session)
    existing = service.usernames(session, (row.username for row in plan.rows))
    created = updated = branches_created = 0
    passwords: list[tuple[str, str, str]] = []
    for row in plan.rows:
        branch, new_branches = resolver.ensure(row.branch, row.group, actor, now)
        branches_created += new_branches
        user = existing.get(row.username)
        if user is None:
            password = row.password or service.generate_password()
            service.create_user(
                session,
                actor,
                username=row.username,
                display_name=row.display_name,
                role=row.role,
                branch_id=branch.id,
                password=password,
                now=now,
            )
            if not row.password:
                passwords.append((row.username, row.display_name, password))
            created += 1
        elif (user.display_name, user.role, user.branch_id) != (row.display_name, row.role, branch.id):
            user.display_name, user.role, user.branch_id = row.display_name, row.role, branch.id
            updated += 1
    service.record(
        session,
        actor,
        "user.import",
        f"{created}+{updated}",
        now=now,
        created=created,
        updated=updated,
        branches_created=branches_created,
    )
    return ImportResult(created, updated, branches_created, passwords)


def template_workbook() -> bytes:
    """The downloadable template: a people sheet with an example row and a notes sheet."""
    people = [
        list(COLUMNS),
        ("10001", "张三", "第一党支部", "第一党小组", "干警", ""),
        ("10002", "李四", "第一党支部", "", "支部书记", "Initial-Pass-2024"),
    ]
    notes = [
        ("列", "必填", "说明"),
        (
            "工号",
            "是",
            "登录账号，字母、数字、“.”“_”“-”，不超过64位；同一文件内不得重复；已存在的工号将更新姓名、支部和角色。",
        ),
        ("姓名", "是", "显示姓名。"),
        ("党支部", "是", "所在党支部名称，与系统中的名称一致；不存在的可在预览时选择自动创建。"),
        ("党小组", "否", "所在党小组名称（属于上一列的党支部）。"),
        ("角色", "否", "干警（默认）、支部书记 或 管理员。"),
        ("初始密码", "否", "至少8位；留空则由系统生成，导入后可下载一次。首次登录须修改密码。"),
    ]
    widths = dict(zip("ABCDEF", (12, 12, 18, 18, 12, 20), strict=True))
    return xlsx_bytes(Sheet("人员", people, widths), Sheet("填写须知", notes, {"C": 80}))


def passwords_workbook(passwords: list[tuple[str, str, str]]) -> bytes:
    return xlsx_bytes(Sheet("初始密码", [("工号", "姓名", "初始密码"), *passwords]))
