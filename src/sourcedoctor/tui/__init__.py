"""The Textual app. The only package that imports textual."""


def run_app(**kwargs: object) -> None:
    """Open the interactive app."""
    from .app import SourceDoctorApp

    SourceDoctorApp(**kwargs).run()  # type: ignore[arg-type]
