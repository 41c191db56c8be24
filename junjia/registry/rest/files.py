"""Recipient files: search and registration, the whole file, reveal, sections, lists, plan."""

from django.db.models import prefetch_related_objects
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from junjia.core.rest import form_errors, request_body
from junjia.orgs.api import has_capability, require_capability
from junjia.registry import roles

from .. import errors, forms, selectors, services
from ..choices import (
    FLAG_FIELDS,
    Category,
    FileStatus,
    Hardship,
)
from ..models import Recipient
from ..permissions import get_recipient_for_actor
from ..sections import SECTION_BY_KEY
from ..views import reads
from .serializers import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    SECTION_IN,
    TAG,
    UNKNOWN_FIELD,
    CategoriesIn,
    DuplicateOut,
    FamilyIn,
    HonoursIn,
    PlanIn,
    RecipientCreatedOut,
    RecipientCreateIn,
    RecipientOut,
    RecipientPageOut,
    RecipientRowOut,
    RevealIn,
    RevealOut,
)

# --- views --------------------------------------------------------------------------------


def _file(recipient: Recipient) -> Recipient:
    prefetch_related_objects([recipient], "categories", "honours", "family", "documents")
    return recipient


def _file_response(request, pk, page: str) -> Response:
    """The whole file as it is now, masked; every showing of a file is one audit row."""
    recipient = reads.open_recipient(request.user, pk, page=page)
    return Response(RecipientOut(_file(recipient)).data)


SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q", str, description="姓名、曾用名、全拼、首字母、身份证号（或后 4/6 位）、手机号"
    ),
    OpenApiParameter("category", str, enum=Category.values, description="服务对象类别"),
    OpenApiParameter("flag", str, enum=list(FLAG_FIELDS), description="标记"),
    OpenApiParameter("region", str, description="区划代码：只查该区划及其下级"),
    OpenApiParameter("age_min", int, description="年龄下限（周岁）"),
    OpenApiParameter("age_max", int, description="年龄上限（周岁）"),
    OpenApiParameter("status", str, enum=FileStatus.values, description="档案状态"),
    OpenApiParameter("deceased", str, enum=["1", "0"], description="1 只看已去世，0 只看在世"),
    OpenApiParameter("hardship", str, enum=[v for v in Hardship.values if v]),
    OpenApiParameter("sort", str, enum=list(selectors.SORTS), description="排序，默认 name"),
    OpenApiParameter("after", str, description="游标：上一页返回的 next"),
    OpenApiParameter("page_size", int, description=f"每页条数，默认 {PAGE_SIZE}，最多 200"),
]


BAD_PAGE_SIZE = f"每页条数应为 1 至 {MAX_PAGE_SIZE} 之间的整数。"


class RecipientListCreate(GenericAPIView):
    """Search the files of the caller's jurisdiction (GET), or open a new draft file (POST)."""

    @extend_schema(
        tags=[TAG],
        operation_id="recipients_list",
        parameters=SEARCH_PARAMETERS,
        responses=RecipientPageOut,
        description="按辖区检索，键集分页（深页与首页一样快）；每次列表访问记一条审计。",
    )
    def get(self, request):
        require_capability(request.user, roles.VIEW)
        params = selectors.SearchParams.from_query(request.query_params)
        problems = {name: [message] for name, message in params.problems.items()}
        size = request.query_params.get("page_size", "").strip()
        if size and not (size.isdigit() and 1 <= int(size) <= MAX_PAGE_SIZE):
            problems["page_size"] = [BAD_PAGE_SIZE]
        if problems:
            raise ValidationError(problems)
        size = int(size) if size else PAGE_SIZE
        page = selectors.search(request.user, params, page_size=size)
        prefetch_related_objects(page.rows, "categories")
        reads.record_list_view(request.user, params.as_query())
        return Response(
            {
                "results": RecipientRowOut(page.rows, many=True).data,
                "next": page.next_cursor or None,
                "count": page.count,
                "count_capped": page.count_capped,
            }
        )

    @extend_schema(
        tags=[TAG],
        operation_id="recipients_create",
        request=RecipientCreateIn,
        responses={
            201: RecipientCreatedOut,
            400: OpenApiResponse(description="输入有误（中文提示）"),
            409: OpenApiResponse(DuplicateOut, description="该号码已在别处建档：只告知服务站名称"),
        },
        description="新建档案（草稿）。性别和出生日期由身份证号码得出，填写的须与号码一致。",
    )
    def post(self, request):
        require_capability(request.user, roles.EDIT)
        incoming = RecipientCreateIn(data=request_body(request), context={"actor": request.user})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            recipient, warnings = services.recipient_register(
                actor=request.user,
                household_region=data["household_region"],
                id_number=data["id_number"],
                name=data["name"],
                phone=data["phone"],
                gender=data.get("gender") or None,
                birth_date=data.get("birth_date"),
            )
        except errors.DuplicateRecipient as exc:
            # 一人一档: say where the file is (station name only) and whether a transfer
            # request can bring it here; nothing else about the other file.
            return Response(
                {
                    "detail": str(exc),
                    "station": exc.station_name,
                    "transfer_possible": not exc.in_jurisdiction
                    and has_capability(request.user, roles.TRANSFER),
                },
                status=status.HTTP_409_CONFLICT,
            )
        # The caller typed these values: answering them back is not a new showing to audit.
        recipient = _file(get_recipient_for_actor(request.user, recipient.pk))
        recipient.warnings = list(warnings)
        return Response(RecipientCreatedOut(recipient).data, status=status.HTTP_201_CREATED)


class RecipientDetail(GenericAPIView):
    @extend_schema(tags=[TAG], responses=RecipientOut, description="整份档案（脱敏），记审计。")
    def get(self, request, pk):
        return _file_response(request, pk, "api:recipient-detail")


class RecipientObjectView(GenericAPIView):
    """An operation on one file: the file is looked up for every method first, so a file
    outside the jurisdiction answers 404 whatever the method (never revealing it exists)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.recipient = get_recipient_for_actor(request.user, kwargs["pk"])


class RecipientReveal(RecipientObjectView):
    @extend_schema(
        tags=[TAG],
        request=RevealIn,
        responses={
            200: RevealOut,
            403: OpenApiResponse(description="无查看完整信息权限"),
        },
        description="查看一项完整的身份证号码或手机号码；需要相应权限，每次都记入审计日志。",
    )
    def post(self, request, pk):
        incoming = RevealIn(data=request_body(request))
        incoming.is_valid(raise_exception=True)
        value = services.recipient_reveal(
            actor=request.user, recipient=self.recipient, field=incoming.validated_data["field"]
        )
        response = Response({"value": value})
        response["Cache-Control"] = "no-store"
        return response


SECTION_PATCH = PolymorphicProxySerializer(
    component_name="SectionPatch",
    serializers=list(SECTION_IN.values()),
    resource_type_field_name=None,
    many=False,
)


class RecipientSection(RecipientObjectView):
    @extend_schema(
        tags=[TAG],
        parameters=[
            OpenApiParameter("key", str, OpenApiParameter.PATH, enum=list(SECTION_BY_KEY)),
        ],
        request=SECTION_PATCH,
        responses=RecipientOut,
        description=(
            "修改一个分项。草稿直接修改；已通过的档案修改进入变更申请，审核通过前原档案不变。"
        ),
    )
    def patch(self, request, pk, key):
        if key not in SECTION_BY_KEY:
            raise NotFound(f"没有名为 {key} 的分项。")
        require_capability(request.user, roles.EDIT)
        data = dict(request_body(request))
        form_class = forms.section_form_class(key)
        unknown = sorted(set(data) - set(form_class.base_fields))
        if unknown:
            raise ValidationError({name: [UNKNOWN_FIELD] for name in unknown})
        if key == "basic" and "phone" in data and not str(data["phone"] or "").strip():
            data.pop("phone")
            data["clear_phone"] = True
        # PATCH: start from what the form would show (the file, or the open change), then
        # let the section's own form validate the whole section.
        working = reads.working_snapshot(self.recipient, reads.open_change(self.recipient))
        current = {
            k: v
            for k, v in working["sections"].get(key, {}).items()
            if k != "phone" and v is not None
        }
        form = form_class(data={**current, **data})
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        services.recipient_update_section(
            actor=request.user,
            recipient=self.recipient,
            section_key=key,
            cleaned=forms.section_payload(key, form.cleaned_data),
        )
        return _file_response(request, pk, "api:recipient-section")


class RecipientListPut(RecipientObjectView):
    """Replace one list of the file (categories, honours, family), each row checked by the
    page's row form."""

    key = ""

    def put(self, request, pk):
        require_capability(request.user, roles.EDIT)
        items = request_body(request).get("items")
        if not isinstance(items, list):
            raise ValidationError({"items": ["请提交 items 列表。"]})
        row_form = forms.ROW_FORMS[self.key][1]
        cleaned, problems = [], []
        for item in items:
            form = row_form(data=item if isinstance(item, dict) else {})
            valid = form.is_valid()
            problems.append({} if valid else form_errors(form))
            if valid:
                cleaned.append(form.cleaned_data)
        if any(problems):
            raise ValidationError({"items": problems})
        services.recipient_set_list(
            actor=request.user, recipient=self.recipient, key=self.key, items=cleaned
        )
        return _file_response(request, pk, f"api:recipient-{self.key}")


LIST_DESCRIPTION = "整体替换该列表。草稿直接修改；已通过的档案进入变更申请。"


class RecipientCategories(RecipientListPut):
    key = "categories"

    @extend_schema(
        tags=[TAG], request=CategoriesIn, responses=RecipientOut, description=LIST_DESCRIPTION
    )
    def put(self, request, pk):
        return super().put(request, pk)


class RecipientHonours(RecipientListPut):
    key = "honours"

    @extend_schema(
        tags=[TAG], request=HonoursIn, responses=RecipientOut, description=LIST_DESCRIPTION
    )
    def put(self, request, pk):
        return super().put(request, pk)


class RecipientFamily(RecipientListPut):
    key = "family"

    @extend_schema(
        tags=[TAG], request=FamilyIn, responses=RecipientOut, description=LIST_DESCRIPTION
    )
    def put(self, request, pk):
        return super().put(request, pk)


class RecipientPlan(RecipientObjectView):
    @extend_schema(tags=[TAG], request=PlanIn, responses=RecipientOut, description="一人一策。")
    def put(self, request, pk):
        require_capability(request.user, roles.EDIT)
        form = forms.PlanForm(data=request_body(request))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        services.recipient_set_list(
            actor=request.user,
            recipient=self.recipient,
            key="plan",
            items=form.cleaned_data["plan"],
        )
        return _file_response(request, pk, "api:recipient-plan")
