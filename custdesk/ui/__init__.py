"""The Qt application: main window, tabs, dialogs, table model, charts, printing."""
