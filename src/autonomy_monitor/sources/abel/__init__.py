"""abel source: Abel & Cohen (2019) bilateral migration flow estimates."""
