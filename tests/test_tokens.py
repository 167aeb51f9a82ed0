"""Enigma tokens: enciphered as an operator would, but only the HMAC tag and the token book let one in."""

import calendar
import io
import stat

import pytest
from enigma.keyfile import get_daily_settings
from enigma.machine import EnigmaMachine
from hypothesis import HealthCheck, given, settings, strategies as st

from hambot.core.database import Database
from hambot.core.keysheet import KeySheet, KeySheetError, write_key_sheet
from hambot.core.tokens import HEADER, Tokens, TokenError, parse_lifetime

SECRET = b"s" * 48
DAY = 86400
NOV_3 = calendar.timegm((2026, 11, 3, 9, 0, 0))
NOV_17 = calendar.timegm((2026, 11, 17, 9, 0, 0))


@pytest.fixture
def sheet_path(tmp_path):
    path = tmp_path / "keysheet.txt"
    write_key_sheet(path)
    return path


@pytest.fixture
def database(tmp_path):
    db = Database(tmp_path / "index.sqlite3")
    db.migrate()
    return db


@pytest.fixture
def tokens(database, sheet_path):
    return Tokens(database, KeySheet(sheet_path), SECRET)


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """One token and the book that issued it, shared by the property tests below."""
    folder = tmp_path_factory.mktemp("tokens")
    write_key_sheet(folder / "keysheet.txt")
    database = Database(folder / "index.sqlite3")
    database.migrate()
    book = Tokens(database, KeySheet(folder / "keysheet.txt"), SECRET)
    return book, book.issue("phone", 365 * DAY, now=NOV_3)


def test_the_key_sheet_has_31_daily_settings_that_py_enigma_reads(sheet_path):
    text = sheet_path.read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert sorted(int(line.split()[0]) for line in lines) == list(range(1, 32))
    for day in range(1, 32):
        setting = get_daily_settings(io.StringIO(text), day)
        assert len(set(setting["rotors"])) == 3
        assert len(setting["plugboard_settings"].split()) == 10
        EnigmaMachine.from_key_file(io.StringIO(text), day)
    assert stat.S_IMODE(sheet_path.stat().st_mode) == 0o600


def test_every_key_sheet_is_drawn_anew(tmp_path):
    write_key_sheet(tmp_path / "a")
    write_key_sheet(tmp_path / "b")
    assert (tmp_path / "a").read_text() != (tmp_path / "b").read_text()


def test_an_existing_key_sheet_is_replaced_only_when_forced(sheet_path):
    before = sheet_path.read_text()
    with pytest.raises(KeySheetError, match="--force"):
        write_key_sheet(sheet_path)
    assert sheet_path.read_text() == before
    write_key_sheet(sheet_path, force=True)
    assert sheet_path.read_text() != before
    assert stat.S_IMODE(sheet_path.stat().st_mode) == 0o600


def test_a_token_is_one_string_of_capital_letters_that_verifies_to_its_name(tokens):
    token = tokens.issue("phone", 30 * DAY)
    assert token.isascii() and token.isalpha() and token.isupper()
    assert tokens.verify(token) == "phone"


def test_the_content_is_enciphered_under_a_random_message_key(tokens):
    first, second = tokens.issue("a", DAY, now=NOV_3), tokens.issue("b", DAY, now=NOV_3)
    assert first[:2] == second[:2] == "AC"  # the day travels in clear: the 3rd
    assert first[2:HEADER] != second[2:HEADER]  # indicator and enciphered message key differ
    assert "AAAA" not in first[HEADER:]  # nothing of the content shows through


def test_a_token_issued_on_one_day_still_verifies_on_another(tokens):
    token = tokens.issue("phone", 30 * DAY, now=NOV_3)
    assert tokens.verify(token, now=NOV_17) == "phone"


def test_an_expired_token_is_refused(tokens):
    token = tokens.issue("phone", DAY, now=NOV_3)
    assert tokens.verify(token, now=NOV_3 + DAY - 1) == "phone"
    with pytest.raises(TokenError, match="expired"):
        tokens.verify(token, now=NOV_3 + DAY)


def test_revoking_takes_effect_at_once_for_every_process(tokens, database, sheet_path):
    token = tokens.issue("phone", DAY)
    other_worker = Tokens(Database(database.path), KeySheet(sheet_path), SECRET)
    assert other_worker.verify(token) == "phone"
    assert tokens.revoke("phone") == 1
    with pytest.raises(TokenError, match="revoked"):
        other_worker.verify(token)


def test_a_token_signed_with_another_secret_key_is_refused(database, sheet_path):
    forged = Tokens(database, KeySheet(sheet_path), b"another secret key, same sheet!!").issue("x", DAY)
    with pytest.raises(TokenError, match="signature"):
        Tokens(database, KeySheet(sheet_path), SECRET).verify(forged)


def test_a_new_key_sheet_ends_the_old_tokens(tokens, sheet_path):
    token = tokens.issue("phone", DAY)
    write_key_sheet(sheet_path, force=True)
    with pytest.raises(TokenError):
        tokens.verify(token)


@pytest.mark.parametrize("bad", ["", "abc", "A" * 10, "A" * 500, "phone", "ÄBCDEFGHIJ" * 12, "ABC DEF" * 20,
                                 "Z" * 118, "AAAA" * 30, "1" * 118, None])
def test_malformed_tokens_are_refused_with_a_sentence(tokens, bad):
    with pytest.raises(TokenError) as refused:
        tokens.verify(bad)
    assert str(refused.value).endswith(".")


def test_names_are_checked_and_an_active_name_is_not_issued_twice(tokens):
    for bad in ("", "-x", "a b", "a" * 33, "ü"):
        with pytest.raises(TokenError, match="name"):
            tokens.issue(bad, DAY)
    tokens.issue("phone", DAY)
    with pytest.raises(TokenError, match="already active"):
        tokens.issue("phone", DAY)
    tokens.revoke("phone")
    assert tokens.verify(tokens.issue("phone", DAY)) == "phone"


def test_the_book_lists_names_expiry_and_last_use_but_never_the_token(tokens, database):
    token = tokens.issue("phone", DAY, now=NOV_3)
    assert tokens.records()[0].last_used_at is None
    tokens.verify(token, now=NOV_3 + 5)
    [record] = tokens.records()
    assert (record.name, record.expires_at, record.last_used_at) == ("phone", NOV_3 + DAY, NOV_3 + 5)
    assert record.state(NOV_3 + 6) == "active" and record.state(NOV_3 + DAY) == "expired"
    dump = "\n".join(database.connection().iterdump())
    assert token not in dump and token[HEADER:HEADER + 20] not in dump


def test_no_key_sheet_refuses_every_token_without_an_error(database, tmp_path, tokens):
    token = tokens.issue("phone", DAY)
    without = Tokens(database, KeySheet(tmp_path / "missing.txt"), SECRET)
    with pytest.raises(TokenError, match="key sheet"):
        without.verify(token)


def test_lifetimes_are_read_in_days_hours_and_minutes():
    assert [parse_lifetime(t) for t in ("30d", "12h", "90m", "3w", "", "d", "-1d")] == \
        [30 * DAY, 12 * 3600, 90 * 60, None, None, None, None]


LETTERS = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


@st.composite
def mutations(draw, token):
    kind = draw(st.sampled_from(["change", "add", "drop", "swap"]))
    at = draw(st.integers(0, len(token) - 1))
    if kind == "change":
        letter = draw(LETTERS.filter(lambda c: c != token[at]))
        return token[:at] + letter + token[at + 1:]
    if kind == "add":
        return token[:at] + draw(LETTERS) + token[at:]
    if kind == "drop":
        return token[:at] + token[at + 1:]
    other = draw(st.integers(0, len(token) - 1).filter(lambda i: token[i] != token[at]))
    letters = list(token)
    letters[at], letters[other] = letters[other], letters[at]
    return "".join(letters)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_mutation_of_a_valid_token_is_ever_accepted(issued, data):
    book, token = issued
    mutated = data.draw(mutations(token))
    assert mutated != token
    with pytest.raises(TokenError):
        book.verify(mutated, now=NOV_3 + DAY)


@settings(max_examples=31, deadline=None)
@given(st.integers(1, 31), st.integers(1, 31))
def test_tokens_from_any_day_of_the_month_verify_on_any_other(issued, issued_on, checked_on):
    book, name = issued[0], f"day{issued_on}"
    issue_time = calendar.timegm((2026, 12, issued_on, 12, 0, 0))
    token = book.issue(name, 62 * DAY, now=issue_time)  # 1 December to 31 January, with a day to spare
    assert token[:2] == "AB"[(issued_on - 1) // 26] + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(issued_on - 1) % 26]
    try:
        assert book.verify(token, now=calendar.timegm((2027, 1, checked_on, 12, 0, 0))) == name
    finally:
        book.revoke(name, now=issue_time)
