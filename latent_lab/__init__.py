"""The dashboard's shared code: cached model access, page helpers and Plotly figure builders."""
