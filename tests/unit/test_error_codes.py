"""Every business error code the domain can raise is a value of the GraphQL ErrorCode enum."""

import importlib
import pkgutil

import domain
from domain.errors import DomainError
from graph.errors import ErrorCode


def all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= all_subclasses(sub)
    return found


def test_every_domain_error_code_is_in_the_schema() -> None:
    for module in pkgutil.walk_packages(domain.__path__, prefix="domain."):
        importlib.import_module(module.name)

    codes = {
        error.code
        for error in all_subclasses(DomainError)
        if error.__module__.startswith("domain.") and "code" in vars(error)
    }

    assert codes - {code.value for code in ErrorCode} == set()
