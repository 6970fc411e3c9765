"""The lessons in the app: the banner a lesson shows on its page, and the list on the Overview."""
