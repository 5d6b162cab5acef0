from django.core.management.base import BaseCommand, CommandError

from apps.inventory.selectors import ledger_differences


class Command(BaseCommand):
    help = "Check that every stock level equals the sum of its ledger movements; report differences."

    def handle(self, *args, **options):
        differences = ledger_differences()
        for d in differences:
            self.stdout.write(
                f"{d['sku']} @ {d['warehouse']}: on_hand {d['on_hand']} (ledger {d['ledger_on_hand']}), "
                f"reserved {d['reserved']} (ledger {d['ledger_reserved']})"
            )
        if differences:
            raise CommandError(f"{len(differences)} stock level(s) differ from the ledger.")
        self.stdout.write(self.style.SUCCESS("Stock ledger consistent: every level equals its movements."))
