import pytest
from django.db import connection

pytestmark = pytest.mark.postgres


def test_jit_is_off_for_the_applications_connections(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
