"""``python -m f2btune``: same as the ``f2btune`` console script."""
import sys


def main():
    from f2btune.cli import main as cli_main
    sys.exit(cli_main())


if __name__ == "__main__":
    main()
