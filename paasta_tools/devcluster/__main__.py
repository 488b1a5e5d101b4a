"""``python -m paasta_tools.devcluster``: the same as ``paasta-devcluster``."""

import sys

from paasta_tools.devcluster.command import main

if __name__ == "__main__":
    sys.exit(main())
