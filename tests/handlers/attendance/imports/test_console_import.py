"""Importing a participant report in the console: `:archivo RUTA CODIGO`, in Spanish."""

from __future__ import annotations

from cohorte.storage.models import Cohort
from tests.conftest import Transcript
from tests.handlers.attendance.imports.conftest import SAMPLES


async def test_a_zoom_report_is_imported_and_the_rest_settled_with_buttons(
    transcript: Transcript, cohort: Cohort
) -> None:
    out = await transcript.run(
        f"""
        :reloj 2025-05-06 12:00
        :privado
        :archivo {SAMPLES / "zoom-participantes-en.csv"} s1/2025-05-06
        :b Andrés Rojas
        :b 1
        :b No es
        /importar
        :archivo {SAMPLES / "zoom-participantes-en.csv"} s1/2025-05-06
        """
    )
    print(out)
    assert False
