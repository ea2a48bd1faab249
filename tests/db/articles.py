"""Hand-written fixture articles (our own text, not copied from sites) for the storage and pipeline tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from ingest.items import ArticleItem

VN = timezone(timedelta(hours=7))
FETCHED = datetime(2025, 7, 10, 9, 30, tzinfo=VN)

BODY_DEFENCE = (
    "(KT)- Chiều 8/7, Ủy ban nhân dân tỉnh tổ chức hội nghị tổng kết công tác quốc phòng, quân sự địa phương "
    "sáu tháng đầu năm và triển khai nhiệm vụ những tháng cuối năm. Dự hội nghị có lãnh đạo Bộ Chỉ huy Quân sự "
    "tỉnh, đại diện các sở, ngành và Ủy ban nhân dân các huyện, thành phố trong tỉnh.\n\n"
    "Theo báo cáo, trong sáu tháng qua, lực lượng vũ trang tỉnh đã duy trì nghiêm chế độ trực sẵn sàng chiến đấu, "
    "hoàn thành tốt công tác tuyển quân, huấn luyện dân quân tự vệ và diễn tập khu vực phòng thủ cấp huyện. "
    "Công tác giáo dục quốc phòng và an ninh cho các đối tượng được thực hiện đúng kế hoạch.\n\n"
    "Phát biểu chỉ đạo, lãnh đạo tỉnh đề nghị các cơ quan, đơn vị tiếp tục nâng cao chất lượng huấn luyện, "
    "chủ động nắm chắc tình hình địa bàn, phối hợp chặt chẽ với công an trong bảo vệ an ninh trật tự."
)
BODY_COFFEE = (
    "Sáng 9/7, Sở Nông nghiệp và Môi trường tỉnh cho biết niên vụ cà phê năm nay dự kiến đạt sản lượng cao hơn "
    "năm trước nhờ thời tiết thuận lợi và giá bán ổn định. Nhiều hộ dân đã đầu tư hệ thống tưới tiết kiệm nước, "
    "chuyển sang canh tác theo hướng hữu cơ để nâng giá trị sản phẩm.\n\n"
    "Theo ngành nông nghiệp, toàn tỉnh hiện có hàng chục nghìn héc ta cà phê, trong đó diện tích tái canh chiếm "
    "tỷ lệ đáng kể. Các hợp tác xã được hỗ trợ xây dựng mã số vùng trồng, truy xuất nguồn gốc và liên kết tiêu "
    "thụ với doanh nghiệp xuất khẩu.\n\n"
    "Người trồng cà phê mong muốn được tiếp cận nguồn vốn vay ưu đãi và tập huấn kỹ thuật để giảm chi phí sản xuất."
)
BODY_FLOOD = (
    "Tối 7/7, mưa lớn kéo dài khiến nhiều tuyến đường liên xã bị ngập sâu, giao thông bị chia cắt cục bộ. "
    "Chính quyền địa phương đã huy động lực lượng xung kích hỗ trợ người dân di chuyển tài sản đến nơi an toàn "
    "và cắm biển cảnh báo tại các ngầm tràn nguy hiểm.\n\n"
    "Ban Chỉ huy phòng thủ dân sự tỉnh yêu cầu các địa phương theo dõi chặt chẽ diễn biến thời tiết, kiểm tra "
    "hồ đập thủy lợi, chuẩn bị phương tiện cứu hộ và lương thực dự phòng cho các khu vực có nguy cơ sạt lở.\n\n"
    "Đến sáng 8/7, nước đã bắt đầu rút, chưa ghi nhận thiệt hại về người; ngành giao thông đang khắc phục mặt đường."
)


def article(
    url: str,
    *,
    title: str = "Tổng kết công tác quốc phòng, quân sự địa phương",
    body: str = BODY_DEFENCE,
    site: str | None = "kontumtv",
    published_raw: str | None = "08/07/2025 16:45",
    byline_raw: str | None = "Tin, ảnh: Hoài Nam",
    fetched_at: datetime = FETCHED,
    canonical_url: str | None = None,
) -> ArticleItem:
    """A raw item as a spider yields it (before the normalize stage)."""
    return ArticleItem(
        url=url,
        site=site,
        canonical_url=canonical_url,
        title=title,
        lead=None,
        body=body,
        language="vi",
        published_raw=published_raw,
        byline_raw=byline_raw,
        category=["Thời sự"],
        tags=["quốc phòng"],
        fetched_at=fetched_at,
        http_status=200,
        html=f"<html><body><h1>{title}</h1><p>{body}</p></body></html>".encode(),
        encoding="utf-8",
    )


def lightly_edited(body: str) -> str:
    """A syndicated copy: another outlet prefix, one phrase changed and a credit line, as republishing sites do."""
    return body.replace("(KT)- ", "(GLO) - ").replace("chặt chẽ", "thường xuyên") + "\n\nTheo TTXVN"


__all__ = ["BODY_COFFEE", "BODY_DEFENCE", "BODY_FLOOD", "FETCHED", "article", "lightly_edited", "replace"]
