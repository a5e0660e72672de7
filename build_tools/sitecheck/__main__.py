import sys

from build_tools.sitecheck import main

sys.exit(main())
