"""``python -m xpgrad.distributed -n 4 script.py args...``: run a script on 4 ranks."""
import sys

from .launch import main

if __name__ == "__main__":
    sys.exit(main())
