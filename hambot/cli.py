"""The `hambot` command."""

import argparse
import logging
import sys

from . import __version__
from .settings import ConfigError, load_settings


def _serve(settings, args):
    from .server import serve
    serve(settings)
    return 0


def _check(settings, args):
    from .app import create_app
    create_app(settings)
    print(f"The settings are valid; hambot would listen on {settings.host}:{settings.port} "
          f"and keep its data in {settings.data_dir}.")
    return 0


def parser():
    top = argparse.ArgumentParser(
        prog="hambot", description="A snapshot server for a Raspberry Pi pet cam. "
        "Settings come from config.py, HAMBOT_CONFIG and HAMBOT_<NAME> variables.")
    top.add_argument("--version", action="version", version=f"hambot {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("serve", help="run the web server (gunicorn) on HOST:PORT").set_defaults(run=_serve)
    commands.add_parser("check-config", help="load and check the settings, then exit").set_defaults(run=_check)
    return top


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        logging.basicConfig(level=settings.log_level, stream=sys.stderr,
                            format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
                            datefmt="%Y-%m-%d %H:%M:%S %z")  # as gunicorn's own lines
        return args.run(settings, args)
    except ConfigError as error:
        print(f"hambot: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
