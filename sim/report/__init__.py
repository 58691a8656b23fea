"""The HTML report (the only place plotly is imported)."""
