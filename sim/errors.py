"""The root of every error that Flashpoint raises on purpose."""


class FlashpointError(Exception):
    """A problem the user can fix: bad input, a missing file, a refused request.

    The command line prints the message alone (no traceback) and exits with
    :attr:`exit_code`.
    """

    exit_code: int = 2
