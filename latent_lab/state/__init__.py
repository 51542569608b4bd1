"""What a page's settings and its link hold: the value kinds, the settings table, the page state
that keeps them for a session and mirrors them in the URL, and the models a link names."""
