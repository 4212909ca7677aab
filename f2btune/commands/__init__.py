"""One module per subcommand: HELP, add_arguments(parser), run(args).

The argument types below make argparse reject a bad number itself: a usage error, exit status 2.
"""
import argparse


def number(kind=int, minimum=None, maximum=None, above=None):
    """An argparse type: a ``kind`` number >= minimum, <= maximum and > above (those given)."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not %s" % (text, "a whole number" if kind is int else "a number"))
        if value != value or (minimum is not None and value < minimum) or \
                (maximum is not None and value > maximum) or (above is not None and value <= above):
            bounds = [b for b in ((">= %s" % minimum) if minimum is not None else None,
                                  ("<= %s" % maximum) if maximum is not None else None,
                                  ("> %s" % above) if above is not None else None) if b]
            raise argparse.ArgumentTypeError("must be %s, not %s" % (" and ".join(bounds), text))
        return value
    parse.__name__ = kind.__name__
    return parse


FRACTION = number(float, minimum=0.0, maximum=1.0)
