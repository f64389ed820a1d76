from django.db import migrations


# The sequence budget.caching reads as part of the data version. Advanced once here, so that its
# last_value moves on the first bump too (before any nextval, last_value already reads 1).
class Migration(migrations.Migration):
    dependencies = [("budget", "0006_roles_and_history")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE budget_data_version; SELECT nextval('budget_data_version');",
            "DROP SEQUENCE budget_data_version;",
        )
    ]
