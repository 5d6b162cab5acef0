"""Demo catalog: categories, 20 products with 2 variants each (USD and NGN), documents."""

import json
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile

from apps.accounts.api import User
from apps.cms.api import MediaFile

from . import services
from .models import Category, Document, Product


def _pdf(title: str) -> bytes:
    text = title.replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def seed(*, stdout=None) -> None:
    data = json.loads((settings.BASE_DIR / "fixtures" / "demo_catalog.json").read_text())
    actor = User.objects.filter(email=settings.DEMO_ADMIN_EMAIL).first()
    by_slug = {c.slug: c for c in Category.objects.all()}
    for position, spec in enumerate(data["categories"]):
        if spec["slug"] not in by_slug:
            by_slug[spec["slug"]] = Category.objects.create(
                slug=spec["slug"],
                name=spec["name"],
                description=spec.get("description", ""),
                parent=by_slug.get(spec.get("parent")),
                position=position,
            )
    created = 0
    for position, spec in enumerate(data["products"]):
        prefix = "".join(w[0] for w in spec["name"].split()[:3]).upper()
        skus = [f"{prefix}-{position + 1:02d}-{code}" for code, _, _ in spec["variants"]]
        if Product.objects.filter(variants__sku=skus[0]).exists():
            continue
        variants = []
        for i, (_code, name, attributes) in enumerate(spec["variants"]):
            bump = Decimal(1) + Decimal("0.08") * i  # the second variant costs 8% more
            variants.append(
                {
                    "sku": skus[i],
                    "name": name,
                    "attributes": attributes,
                    "prices": [
                        {
                            "currency": "USD",
                            "amount": (Decimal(spec["usd"]) * bump).quantize(Decimal("1.00")),
                        },
                        {
                            "currency": "NGN",
                            "amount": (Decimal(spec["ngn"]) * bump).quantize(Decimal("1.00")),
                        },
                    ],
                }
            )
        services.product_create(
            actor=actor,
            data={
                "name": spec["name"],
                "category": by_slug[spec["category"]],
                "position": position,
                "description": f"{spec['name']}: built for hard work in the US and West Africa, "
                "backed by Foundry's parts and service network.",
                "specifications": spec["specs"],
                "features": spec["features"],
                "applications": spec["applications"],
                "variants": variants,
            },
        )
        created += 1
    documents = 0
    for spec in data["documents"]:
        if Document.objects.filter(title=spec["title"]).exists():
            continue
        media = MediaFile(
            file_name=f"{spec['title']}.pdf",
            file_type=MediaFile.FileType.DOCUMENT,
            mime_type="application/pdf",
            is_public=spec["access_level"] == "public",
            uploaded_by=actor,
        )
        content = _pdf(spec["title"])
        media.size = len(content)
        media.file.save(media.file_name, ContentFile(content), save=False)
        media.save()
        services.document_create(
            actor=actor,
            data={
                "title": spec["title"],
                "kind": spec["kind"],
                "file": media,
                "access_level": spec["access_level"],
                "product": Product.objects.filter(slug=spec.get("product")).first()
                if spec.get("product")
                else None,
                "category": by_slug.get(spec.get("category")),
            },
        )
        documents += 1
    if stdout:
        stdout.write(f"catalog: {created} products, {documents} documents created")
