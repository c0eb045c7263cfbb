"""Every feature's tables, imported together so Base.metadata is complete (Alembic, tests)."""

from studyhall.accounts import models as accounts  # noqa: F401
from studyhall.banks import models as banks  # noqa: F401
from studyhall.db import Base
from studyhall.display import models as display  # noqa: F401
from studyhall.exams import models as exams  # noqa: F401
from studyhall.notifications import models as notifications  # noqa: F401
from studyhall.plans import calendar_models as calendars  # noqa: F401
from studyhall.plans import documents as plan_documents  # noqa: F401
from studyhall.plans import meeting_models as meetings  # noqa: F401
from studyhall.plans import models as plans  # noqa: F401
from studyhall.plans import reflection_models as reflections  # noqa: F401
from studyhall.points import models as points  # noqa: F401
from studyhall.practice import models as practice  # noqa: F401
from studyhall.system import models as system  # noqa: F401
from studyhall.xxqg import models as xxqg  # noqa: F401

metadata = Base.metadata
