"""Reference data shipped with the application: CPV categories and published criteria libraries."""
