import datetime

import pytest
from django.db import IntegrityError
from django.utils import translation

from sspf.personnummer import PersonnummerFormField, index_of, parse
from tests.testapp.models import Secret

# Test numbers (fictional, valid check digits).
TOLVAN = "19121212-1212"  # Tolvan Tolvansson, Skatteverket's classic test person
GIRL = "20100228-8783"


@pytest.mark.parametrize(
    "typed",
    ["191212121212", "19121212-1212", "121212+1212", " 19121212 1212 "],
)
def test_every_way_of_typing_gives_the_same_twelve_digits(typed):
    assert parse(typed).digits == "191212121212"


def test_ten_digits_with_a_dash_are_this_century_or_the_last():
    assert parse("100228-8783").digits == "201002288783"
    assert parse("1002288783").digits == "201002288783"


def test_plus_means_a_hundred_years_or_more():
    assert parse("121212+1212").birth_date == datetime.date(1912, 12, 12)


def test_birth_date_and_legal_sex_are_derived():
    tolvan = parse(TOLVAN)
    assert tolvan.birth_date == datetime.date(1912, 12, 12)
    assert tolvan.legal_sex == "male"
    assert parse(GIRL).legal_sex == "female"
    assert str(tolvan) == "19121212-1212"


def test_samordningsnummer_validates_with_day_plus_sixty():
    number = parse("701063-2391")
    assert number.is_coordination_number
    assert number.birth_date == datetime.date(1970, 10, 3)


@pytest.mark.parametrize(
    "typed,code",
    [
        ("", "format"),
        ("abc", "format"),
        ("1912121-21212", "format"),
        ("19121212-12", "format"),
        ("19121232-1212", "date"),
        ("19130229-1210", "date"),
        ("19121212-1213", "checksum"),
        ("701093-2391", "date"),
        ("20991231-9994", "future"),
    ],
)
def test_invalid_numbers_get_the_right_message(typed, code):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        parse(typed)
    assert raised.value.code == code


def messages_for(field, value, language):
    from django.core.exceptions import ValidationError

    with translation.override(language):
        try:
            field.clean(value)
        except ValidationError as error:
            return error.messages
    return []


def test_form_field_messages_in_swedish_and_english():
    field = PersonnummerFormField()
    assert field.clean("19121212-1212") == "191212121212"
    assert messages_for(field, "19121212-1213", "sv") == [
        "Kontrollsiffran stämmer inte; kontrollera numret."
    ]
    assert messages_for(field, "19121212-1213", "en") == [
        "The check digit does not match; check the number for a typing error."
    ]
    assert messages_for(field, "19121232-1212", "sv") == ["Datumet i personnumret finns inte."]
    assert messages_for(field, "", "sv") == ["Ange ett personnummer."]


@pytest.mark.django_db
class TestBlindIndex:
    def store(self, typed):
        number = parse(typed)
        return Secret.objects.create(
            personnummer=number.digits, personnummer_index=number.blind_index
        )

    @pytest.mark.parametrize("typed", ["191212121212", "121212+1212", "19121212-1212"])
    def test_finds_the_person_however_the_number_is_typed(self, typed):
        stored = self.store("19121212-1212")
        assert Secret.objects.get(personnummer_index=index_of(typed)) == stored

    def test_rejects_a_duplicate(self):
        self.store("19121212-1212")
        with pytest.raises(IntegrityError):
            self.store("121212+1212")

    def test_index_is_keyed_and_differs_from_a_plain_hash(self, settings):
        import hashlib

        index = index_of(TOLVAN)
        assert index != hashlib.sha256(b"191212121212").hexdigest()
        settings.SSPF_INDEX_KEY = "other:" + "NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ="
        assert index_of(TOLVAN) != index


def test_fictional_numbers_are_valid():
    from sspf.personnummer import fictional

    assert parse(fictional(datetime.date(2010, 2, 28), "878")).digits == "201002288783"
