import pickle

import pytest

from greenmet.errors import (
    BalanceError,
    FileFormatError,
    GreenmetError,
    InputError,
    Location,
    StorageError,
    UnknownKeyError,
)


def test_errors_are_also_the_builtin_a_caller_catches():
    assert issubclass(InputError, ValueError)
    assert issubclass(UnknownKeyError, KeyError)
    assert issubclass(BalanceError, ValueError)
    assert issubclass(StorageError, OSError)
    for cls in (InputError, UnknownKeyError, FileFormatError, StorageError):
        assert issubclass(cls, GreenmetError)


def test_message_names_location_field_value_and_fix():
    error = InputError(
        "quantity must not be negative",
        field="quantity",
        value=-5.0,
        fix="enter the amount consumed as a positive number",
        location=Location(file="plant.xlsx", sheet="materials", row=7),
    )
    text = str(error)
    assert text == (
        "plant.xlsx, sheet 'materials', row 7: quantity: quantity must not be negative "
        "(got -5.0). Fix: enter the amount consumed as a positive number"
    )
    payload = error.to_dict()
    assert payload["ok"] is False
    assert payload["row"] == 7 and payload["field"] == "quantity" and payload["error"] == "input_error"


def test_unknown_key_message_is_not_quoted_like_keyerror():
    assert str(UnknownKeyError("no such material", value="unobtainium")) == (
        "no such material (got 'unobtainium')"
    )


@pytest.mark.parametrize("cls", [InputError, UnknownKeyError, StorageError, BalanceError])
def test_errors_pickle_with_their_parts(cls):
    error = cls("broken", field="f", value=1, fix="mend", location=Location(file="x", row=3))
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error)
    assert copy.location == error.location
