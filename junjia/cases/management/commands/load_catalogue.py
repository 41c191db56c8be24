"""Publish the standard service catalogue (junjia/cases/catalogue.py) where items are missing."""

from django.core.management.base import BaseCommand

from junjia.cases.catalogue import ITEMS, load_catalogue


class Command(BaseCommand):
    help = (
        "发布标准政务服务事项目录（优待证申领、抚恤定补申请、退役报到等）中尚未存在的事项；"
        "已有事项及其版本保持不变（幂等），可在部署后和升级后运行。"
    )

    def handle(self, *args, **options):
        created = load_catalogue(actor=None)
        kept = len(ITEMS) - created
        self.stdout.write(f"服务事项目录：新增 {created} 项，已有 {kept} 项未改动。")
