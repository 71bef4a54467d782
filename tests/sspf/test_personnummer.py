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


# The same number as typed on phones and keyboards set up for other scripts, or pasted from a
# word processor. Each must give exactly the ASCII digits (and so the same person).
OTHER_DIGITS = {
    "full-width": "１９１２１２１２－１２１２",
    "full-width digits, ASCII dash": "１９１２１２１２-１２１２",
    "full-width, ten digits and a plus": "１２１２１２＋１２１２",
    "Arabic-Indic": "١٩١٢١٢١٢-١٢١٢",
    "Eastern Arabic-Indic (Persian, Urdu)": "۱۹۱۲۱۲۱۲-۱۲۱۲",
    "Devanagari": "१९१२१२१२-१२१२",
    "Bengali": "১৯১২১২১২-১২১২",
    "minus sign": "19121212\u22121212",
    "en dash": "19121212\u20131212",
    "no-break space": "19121212\u00a01212",
    "thin space": "\u200919121212\u20091212\u202f",
}


@pytest.mark.parametrize("typed", OTHER_DIGITS.values(), ids=OTHER_DIGITS.keys())
def test_a_number_typed_with_other_digits_gives_the_same_ascii_digits(typed):
    number = parse(typed)
    assert number.digits == "191212121212"
    assert number.digits.isascii()
    assert str(number) == "19121212-1212"
    assert number.birth_date == datetime.date(1912, 12, 12)


def test_a_girls_number_in_arabic_indic_digits_gives_her_date_and_sex():
    number = parse("٢٠١٠٠٢٢٨-٨٧٨٣")
    assert number.digits == "201002288783"
    assert (number.birth_date, number.legal_sex) == (datetime.date(2010, 2, 28), "female")


@pytest.mark.parametrize(
    "digits_only,with_something_else",
    [
        ("１９１２１２１２－１２１２", "１９１２１２１２－１２１Ａ"),  # full-width letter A
        ("١٩١٢١٢١٢-١٢١٢", "١٩١٢١٢١٢-١٢١a"),
        ("१९१२१२१२-१२१२", "१९१२१२१२-१२१२x"),
        ("19121212-121２", "19121212-121²"),  # superscript two: a number, not a decimal digit
        ("19121212-121２", "19121212-121Ⅱ"),  # Roman numeral two
        ("19121212−1212", "19121212‐1212"),  # minus sign accepted; U+2010 hyphen is not
        ("１２１２１２＋１２１２", "１２１２１２＋＋１２１２"),  # one plus, not two
    ],
    ids=["full-width", "arabic-indic", "devanagari", "superscript", "roman", "hyphen", "plus"],
)
def test_only_digits_are_translated_and_anything_else_is_still_refused(
    digits_only, with_something_else
):
    from django.core.exceptions import ValidationError

    assert parse(digits_only).digits == "191212121212"
    with pytest.raises(ValidationError) as raised:
        parse(with_something_else)
    assert raised.value.code == "format"


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
        ("１９１２１２３２－１２１２", "date"),
        ("１９１２１２１２－１２１３", "checksum"),
        ("٢٠٩٩١٢٣١\u2212٩٩٩٤", "future"),
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


def test_form_field_gives_ascii_digits_for_other_digits_and_refuses_letters():
    field = PersonnummerFormField()
    assert field.clean("２０１００２２８－８７８３") == "201002288783"
    assert field.clean("٢٠١٠٠٢٢٨-٨٧٨٣") == "201002288783"
    assert field.clean("२०१०\u00a0०२२८\u00a0८७८३") == "201002288783"
    assert messages_for(field, "２０１００２２８－８７８Ｘ", "sv") == [
        "Ange personnumret som ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN."
    ]


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

    @pytest.mark.parametrize("typed", OTHER_DIGITS.values(), ids=OTHER_DIGITS.keys())
    def test_finds_the_person_when_the_number_is_typed_with_other_digits(self, typed):
        stored = self.store("19121212-1212")
        assert index_of(typed) == index_of("191212121212")
        assert Secret.objects.get(personnummer_index=index_of(typed)) == stored

    @pytest.mark.parametrize(
        "typed",
        ["１９１２１２１２－１２１２", "١٩١٢١٢١٢-١٢١٢", "१९१२१२१२-१२१२"],
        ids=["full-width", "arabic-indic", "devanagari"],
    )
    def test_rejects_a_duplicate_typed_with_other_digits(self, typed):
        self.store("19121212-1212")
        with pytest.raises(IntegrityError):
            self.store(typed)

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
