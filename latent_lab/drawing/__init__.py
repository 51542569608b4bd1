"""How it is drawn: pure Plotly figure builders, exports, the custom components and their web
files, and the skeleton every page shares."""
