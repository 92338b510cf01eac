"""The base of every settings section: how one `profwise-redis:*` config object maps onto a pydantic model.

Stack files use camelCase keys (`maxmemoryPolicy`), the models snake_case fields: the alias generator joins them,
and either spelling validates (tests build models by field name). Unknown keys are refused (a typo must not be
silently ignored) and a validated section is frozen, so components cannot change what validation accepted.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)
