"""Drives the app from outside: a Streamlit server and an nginx proxy to start and stop, a headless
Chromium to open pages in, and waits on the app's run state. The browser tests, the load test and
the measuring scripts share it."""
