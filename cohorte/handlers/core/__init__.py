"""The framework every capability uses: message model, context, router, forms, delivery."""
