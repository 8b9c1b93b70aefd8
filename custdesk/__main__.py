from custdesk.cli import main

raise SystemExit(main())
