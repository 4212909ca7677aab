"""PLACEHOLDER: replaced by the module that implements this subcommand."""
from f2btune.errors import F2btuneError

HELP = "(not implemented yet)"


def add_arguments(parser):
    pass


def run(args):
    raise F2btuneError("this command is not implemented yet")
