"""A language and a key in, the console's own words out (its headings, buttons and notices).

The verdicts, rules and labels come from the engine and the playbook in the user's language
(``engine.text``, the playbook's labels); this table holds only the page furniture around
them, so one language of the console stays in one place.
"""

from __future__ import annotations

LANGS = ("en", "zh")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "app": "kam console",
        "skip": "Skip to the content",
        "nav": "Main",
        "approvals": "My approvals",
        "pipeline": "Pipeline",
        "deals": "Deals",
        "signin": "Sign in",
        "signout": "Sign out",
        "signed_in_as": "Signed in as",
        "token": "Your token",
        "token_hint": "The token from kam users token NAME (or kam demo). It is kept in a "
        "cookie this browser sends only to this site.",
        "bad_token": "That token is unknown, or its user is no longer active.",
        "language": "Language",
        "switch": "中文",
        "switch_to": "zh",
        "inbox_intro": "Approvals waiting for a role you hold, oldest first.",
        "inbox_empty": "Nothing is waiting for you. Well done.",
        "waiting_since": "waiting since",
        "for_role": "Role",
        "customer": "Customer",
        "owner": "Owner",
        "amount": "Amount",
        "rule": "Rule",
        "why": "Why it needs you",
        "other_items": "Also open on this deal",
        "no_other_items": "Nothing else is open on this deal.",
        "approve": "Approve",
        "reject": "Reject",
        "reason": "Reason for rejecting",
        "reason_hint": "The owner reads it.",
        "open_deal": "Open the deal",
        "approved_done": "Approved: {deal} as {role}.",
        "rejected_done": "Rejected: {deal} as {role}.",
        "advanced_done": "{deal} moved to {stage}.",
        "refused": "Not recorded",
        "stale_version": "Deal {deal} changed since you opened it (you saw version {seen}, "
        "it is now {now}). Look at it again, then decide.",
        "forbidden_form": "This form is out of date or came from another site. "
        "Reload the page and try again.",
        "not_found": "There is no such page.",
        "no_deal": "There is no deal {deal}.",
        "error": "Something went wrong on our side; nothing was changed. The log has id {id}.",
        "status": "Status",
        "violations": "Blocks, questions and warnings",
        "approvals_h": "Approvals",
        "actions": "Actions",
        "moves": "Next moves",
        "advance": "Advance to {stage}",
        "still_needs": "still needs",
        "facts": "Facts",
        "history": "History",
        "diagram": "Stages",
        "current_stage": "current stage",
        "version": "version",
        "by": "by",
        "nothing": "None.",
        "stale_was": "approved for {was}, now {now}",
        "kind_created": "created the deal",
        "kind_imported": "imported the deal: brought in at {stage} with its past",
        "kind_updated": "changed the deal",
        "kind_advanced": "moved it from {src} to {dst}",
        "kind_approved": "approved as {role}",
        "kind_rejected": "rejected as {role}",
        "then": "status then",
        "playbook": "playbook",
        "stage": "Stage",
        "category": "Category",
        "deals_n": "deals",
        "weighted": "Weighted",
        "win": "Win chance",
        "total": "Total",
        "by_stage": "By stage",
        "inbox_blocked": "This deal is blocked: approving does not clear these.",
        "versions_counted": "versions (deals):",
        "by_owner": "By owner",
        "by_category": "By category",
        "funnel": "Funnel: weighted value by stage",
        "filter": "Filter",
        "any": "any",
        "export": "Export CSV",
        "deal": "Deal",
        "as_of": "as of",
        "unknown_amount": "amount unknown",
        "playbooks": "Playbooks",
        "playbooks_intro": "The playbook versions deals are judged by. A new deal is pinned to "
        "the version in force on the day it is created.",
        "in_force": "in force today",
        "period": "{start} to {end}",
        "beginning": "the beginning",
        "open_end": "open end",
        "handbook": "Handbook",
        "explain": "Explain: every rule with the values it saw",
        "explain_h": "How the verdict was reached",
        "back_to_deal": "Back to the deal",
        "step": "Step",
        "outcome": "Outcome",
        "saw": "Values read",
        "try": "Try a deal",
        "try_h": "Try a deal on {playbook} {version}",
        "try_intro": "Paste or edit a deal (JSON or YAML) and see what this version says about "
        "it. Nothing is stored.",
        "deal_text": "The deal",
        "deal_text_hint": "Prefilled with one of the playbook's own test deals. The verdict "
        "follows as you type.",
        "check": "Check",
        "verdict": "Verdict",
        "deal_problems": "The deal cannot be judged as written",
        "bad_as_of": "as of: {given!r} is not a date (YYYY-MM-DD)",
        "diff": "Compare versions",
        "diff_h": "What changed between two versions of {playbook}",
        "diff_intro": "kam diff in business words: every parameter, rule, table row, stage and "
        "move that differs, and where it stands in the file.",
        "old_version": "Older version",
        "new_version": "Newer version",
        "compare": "Compare",
        "same_meaning": "Same meaning: only formatting, comments or key order differ.",
        "n_changes": "Changes: {n}",
        "only_one_version": "This playbook has only one version: nothing to compare.",
        "diff_added": "added",
        "diff_removed": "removed",
        "diff_changed": "changed",
        "diff_reordered": "reordered",
        "parameter": "Parameter",
        "version_word": "Version",
        "in_force_from": "In force from",
        "in_force_to": "In force until",
        "rule_word": "Rule",
        "from_company": "company setting, not from the guide",
        "from_guide": "from the guide: {cite}",
        "where": "where",
        "no_version": "There is no version {version} of {playbook}.",
        "yes": "yes",
        "not_done": "Not recorded: {why}",
        "reason_needed": "A rejection needs a reason: the owner reads it.",
        "move_refused": "The deal cannot move from {src} to {dst} yet: see what the move still "
        "needs under Next moves.",
        "move_refused_needs": "The deal cannot move from {src} to {dst} yet. It still needs:\n"
        "{needs}",
        "move_none": "The playbook has no move from {src} to {dst}: Next moves lists the moves "
        "open from {src}.",
        "no": "no",
        "not_recorded": "not recorded",
        "n_entries": "{n} entries",
        "one_a_line": "One a line.",
        "edit": "Edit the deal",
        "edit_h": "Edit {deal}",
        "edit_intro": "The fields of the deal, as the playbook declares them. Leave a field "
        "empty when it is not known: the rules then ask for it rather than assume 0 or no.",
        "read_only": "Changed only by a move, a decision or the store",
        "save": "Save the changes",
        "saved_done": "{deal} saved (version {version}).",
        "nothing_changed": "Nothing changed: the deal is as it was.",
        "fix_fields": "Nothing was saved: values to correct are marked below ({n}).",
        "remove_row": "Remove this entry",
        "row": "Entry {n}",
        "new_row": "New entry (fill it in to add one)",
        "not_yours": "Only the deal's owner or an admin changes it.",
        "choose": "choose",
        "your_deal": "You own or created this deal: someone else must decide this approval.",
        "bad_number": "not a number",
        "bad_whole": "not a whole number",
        "bad_date": "not a date (YYYY-MM-DD)",
        "bad_choice": "not one of the choices",
        "too_small": "must be at least {limit}",
        "too_big": "must be at most {limit}",
        "too_long": "at most {limit} characters",
        "required": "needed: fill it in (or leave the whole entry empty)",
        "problem_title": "The request was not carried out",
        "too_large": "That form is larger than this site accepts ({limit}); nothing was "
        "changed. Send less, or split it.",
        "too_slow": "The form arrived too slowly and was dropped; nothing was changed. "
        "Send it again.",
        "bad_media": "This site accepts forms as a browser sends them; nothing was changed.",
        "method_not_allowed": "This page cannot be used that way (the link or button is out "
        "of date). Go back and reload it.",
        "unavailable": "The deal store cannot be reached just now; nothing was changed. "
        "Try again in a moment.",
        "refused_only_by_command": "'{field}' changes only through its own command "
        "(a move or a decision), not by editing the deal.",
        "refused_id_fixed": "A deal's id cannot change: create a new deal instead.",
        "refused_lacks_role": "{by} does not hold the role {role}, so cannot decide for it.",
        "refused_owner_decides": "{by} owns deal {deal} and cannot approve or reject it: "
        "someone else must decide.",
        "refused_former_owner_decides": "{by} created or owned deal {deal}, so cannot approve "
        "or reject it: someone else must decide.",
        "refused_already_approved": "{by} has already approved deal {deal} as {role}.",
        "refused_already_rejected": "{by} has already rejected deal {deal} as {role}.",
        "refused_not_owner": "{by} does not own deal {deal}: only its owner ({owner}) or an "
        "admin changes or moves it.",
        "refused_unreached_stage": "Deal {deal} cannot start at {stage}: it could not have got "
        "there from {first}. The move {stuck_from} → {stuck_to} still needs: {needs}. Create it "
        "at {first}, or ask an admin to import it.",
        "refused_unreached_no_way": "Deal {deal} cannot start at {stage}: no move of the "
        "playbook leads there from {first}. Create it at {first}, or ask an admin to import it.",
        "refused_unreached_stuck": "Deal {deal} cannot start at {stage}: it could not have got "
        "there from {first}, as the move {stuck_from} → {stuck_to} is not open to it yet. Create "
        "it at {first}, or ask an admin to import it.",
        "refused_owner_is_creator": "{by} cannot create deal {deal} for {owner}: a deal's owner "
        "is whoever creates it; handing it to someone else is an admin's act.",
        "refused_hand_over_admin": "{by} cannot hand deal {deal} from {owner} to {to}: a "
        "hand-over is an admin's act.",
        "refused_repin_admin": "{by} cannot re-pin deal {deal}: moving a deal to another version "
        "of its playbook is an admin's act; it stays on {version} until an admin moves it.",
        "refused_inactive_user": "User {name} is no longer active.",
        "owner_moves": "open; its owner ({owner}) or an admin moves the deal.",
        "refused_not_in_force": "{version} is in force from {start} to {end}, not on {day}: "
        "a deal is judged by the version in force on its date.",
        "refused_check_not_awaited": "{by} neither owns deal {deal} nor holds a role it waits "
        "on, so cannot put a check on its history: the deal page shows its verdict.",
        "refused_company_data": "{by} owns deal {deal} and cannot change the company's data on "
        "it ({what}): the playbook names who records it (prices: pricing; credit terms: the "
        "supervisor; funds released: finance) or an admin. The deal's own terms (unit price, "
        "quantity) are the owner's to change.",
        "refused_recorded_by_role": "{by} does not hold the role {roles}: {path} is recorded "
        "by {roles} or an admin.",
        "refused_account_field_role": "{by} does not hold the role {roles}: a customer's "
        "{field} is recorded by {roles} or an admin.",
        "refused_credit_terms_role": "{by} does not hold the role supervisor: a customer's "
        "credit terms ({fields}) are recorded by the supervisor or an admin.",
        "refused_credit_approver_self": "Credit limit approved by names who approved the limit: "
        "{by} records their own approval, not {approver}'s.",
        "refused_price_not_listed": "{path}: {stated} is not the price list's {listed}: a "
        "line's prices come from the price list, kept by {roles} (or an admin). Leave the "
        "price out to take the list's.",
        "refused_price_list_role": "{by} does not hold the role pricing: the price list is "
        "kept by pricing or an admin.",
        "refused_company_data_only": "{by} does not own deal {deal}: they may change its "
        "company data but nothing else, which is its owner's ({owner}).",
        "refused_company_data_on_create": "{path}: a new deal cannot bring the company's data: "
        "{roles} (or an admin) records it on the stored deal.",
        "refused_owner_not_user": "{name} is not a user of kam: a deal is owned by a person who "
        "signs in.",
        "refused_sign_off_owner": "{path}: a sign-off on deal {deal} is written by the person "
        "it names, never by its owner ({owner}) or for them.",
        "refused_sign_off_not_yours": "{path}: {by} cannot sign for {signer} as {role}: a "
        "sign-off is written by the person it names, in a role they hold.",
        "refused_sign_off_on_create": "{path}: a new deal cannot bring a sign-off: the person it "
        "names records it on the stored deal.",
    },
    "zh": {
        "app": "kam 控制台",
        "skip": "跳到正文",
        "nav": "主菜单",
        "approvals": "我的审批",
        "pipeline": "销售漏斗",
        "deals": "交易",
        "signin": "登录",
        "signout": "退出",
        "signed_in_as": "当前用户",
        "token": "您的令牌",
        "token_hint": "由 kam users token NAME（或 kam demo）生成的令牌。它保存在 Cookie 中，"
        "浏览器只会把它发给本站。",
        "bad_token": "令牌无效，或该用户已停用。",
        "language": "语言",
        "switch": "English",
        "switch_to": "en",
        "inbox_intro": "等待您所担任角色审批的事项，最早的在前。",
        "inbox_empty": "没有等待您审批的事项。",
        "waiting_since": "等待自",
        "for_role": "角色",
        "customer": "客户",
        "owner": "负责人",
        "amount": "金额",
        "rule": "规则",
        "why": "需要您审批的原因",
        "other_items": "该交易的其他未决事项",
        "no_other_items": "该交易没有其他未决事项。",
        "approve": "批准",
        "reject": "驳回",
        "reason": "驳回原因",
        "reason_hint": "交易负责人会看到。",
        "open_deal": "查看交易",
        "approved_done": "已批准：{deal}（{role}）。",
        "rejected_done": "已驳回：{deal}（{role}）。",
        "advanced_done": "{deal} 已进入 {stage}。",
        "refused": "未能记录",
        "stale_version": "交易 {deal} 在您打开后已被修改（您看到的是第 {seen} 版，现在是第 "
        "{now} 版）。请重新查看后再决定。",
        "forbidden_form": "表单已过期或来自其他网站。请刷新页面后重试。",
        "not_found": "没有这个页面。",
        "no_deal": "没有交易 {deal}。",
        "error": "系统出错，没有做任何修改。日志编号 {id}。",
        "status": "状态",
        "violations": "阻止项、待补充信息与警告",
        "approvals_h": "审批",
        "actions": "待办事项",
        "moves": "下一步",
        "advance": "推进到「{stage}」",
        "still_needs": "尚需",
        "facts": "事实",
        "history": "历史记录",
        "diagram": "阶段图",
        "current_stage": "当前阶段",
        "version": "版本",
        "by": "操作人",
        "nothing": "无。",
        "stale_was": "批准时为 {was}，现为 {now}",
        "kind_created": "创建了交易",
        "kind_imported": "导入了交易：连同此前的进展一并带入，导入时处于「{stage}」阶段",
        "kind_updated": "修改了交易",
        "kind_advanced": "从「{src}」推进到「{dst}」",
        "kind_approved": "以{role}身份批准",
        "kind_rejected": "以{role}身份驳回",
        "then": "当时状态",
        "playbook": "规则手册",
        "stage": "阶段",
        "category": "类别",
        "deals_n": "笔交易",
        "weighted": "加权金额",
        "win": "赢单概率",
        "total": "合计",
        "by_stage": "按阶段",
        "inbox_blocked": "此交易已被阻止：审批不能解除以下问题。",
        "versions_counted": "版本（交易数）：",
        "by_owner": "按负责人",
        "by_category": "按类别",
        "funnel": "漏斗：各阶段加权金额",
        "filter": "筛选",
        "any": "全部",
        "export": "导出 CSV",
        "deal": "交易",
        "as_of": "评估日期",
        "unknown_amount": "金额未知",
        "playbooks": "规则手册",
        "playbooks_intro": "评估交易所用的规则手册版本。新交易固定使用创建当天生效的版本。",
        "in_force": "今天生效",
        "period": "{start} 至 {end}",
        "beginning": "最初",
        "open_end": "长期",
        "handbook": "手册",
        "explain": "解释：逐条规则及其读取的数值",
        "explain_h": "结论是怎样得出的",
        "back_to_deal": "返回交易",
        "step": "步骤",
        "outcome": "结果",
        "saw": "读取的数值",
        "try": "试算交易",
        "try_h": "用 {playbook} {version} 试算交易",
        "try_intro": "粘贴或修改一笔交易（JSON 或 YAML），即可看到此版本对它的结论。"
        "不会保存任何内容。",
        "deal_text": "交易内容",
        "deal_text_hint": "预填的是规则手册自带的一笔测试交易。结论随输入实时更新。",
        "check": "检查",
        "verdict": "结论",
        "deal_problems": "这笔交易按现在的写法无法评估",
        "bad_as_of": "评估日期：{given!r} 不是日期（YYYY-MM-DD）",
        "diff": "比较版本",
        "diff_h": "{playbook} 两个版本之间的变化",
        "diff_intro": "用业务语言呈现的 kam diff：每一处不同的参数、规则、决策表行、阶段和"
        "推进路径，以及它在文件中的位置。",
        "old_version": "旧版本",
        "new_version": "新版本",
        "compare": "比较",
        "same_meaning": "含义相同：只有格式、注释或键的顺序不同。",
        "n_changes": "共 {n} 处变化",
        "only_one_version": "此规则手册只有一个版本，无可比较。",
        "diff_added": "新增",
        "diff_removed": "删除",
        "diff_changed": "修改",
        "diff_reordered": "顺序调整",
        "parameter": "参数",
        "version_word": "版本",
        "in_force_from": "生效日期",
        "in_force_to": "失效日期",
        "rule_word": "规则",
        "from_company": "公司设定，非指导书规定",
        "from_guide": "来自指导书：{cite}",
        "where": "位置",
        "no_version": "{playbook} 没有版本 {version}。",
        "yes": "是",
        "not_done": "未能记录：{why}",
        "reason_needed": "驳回需要填写原因：交易负责人会看到。",
        "move_refused": "交易还不能从「{src}」推进到「{dst}」：请查看“下一步”中尚需的事项。",
        "move_refused_needs": "交易还不能从「{src}」推进到「{dst}」，尚需：\n{needs}",
        "move_none": "规则手册中没有从「{src}」到「{dst}」的推进：可从「{src}」进行的推进见"
        "“下一步”。",
        "no": "否",
        "not_recorded": "未记录",
        "n_entries": "{n} 条",
        "one_a_line": "每行一个。",
        "edit": "编辑交易",
        "edit_h": "编辑 {deal}",
        "edit_intro": "交易的各项字段，按规则手册的声明生成。不知道的字段请留空："
        "规则会要求补充，而不会当作 0 或“否”。",
        "read_only": "只能通过推进、审批或系统修改",
        "save": "保存修改",
        "saved_done": "{deal} 已保存（第 {version} 版）。",
        "nothing_changed": "没有修改：交易保持原样。",
        "fix_fields": "没有保存：有 {n} 处数值需要更正（见下方标注）。",
        "remove_row": "删除此条",
        "row": "第 {n} 条",
        "new_row": "新增一条（填写即添加）",
        "not_yours": "只有交易负责人或管理员可以修改它。",
        "choose": "请选择",
        "your_deal": "这笔交易由您负责或创建：此项审批须由他人决定。",
        "bad_number": "不是数字",
        "bad_whole": "不是整数",
        "bad_date": "不是日期（YYYY-MM-DD）",
        "bad_choice": "不在可选项中",
        "too_small": "不能小于 {limit}",
        "too_big": "不能大于 {limit}",
        "too_long": "最多 {limit} 个字符",
        "required": "必填（或将整条留空）",
        "problem_title": "请求未执行",
        "too_large": "表单超过本站接受的大小（{limit}），没有做任何修改。请减少内容或分次提交。",
        "too_slow": "表单传输过慢，已被丢弃，没有做任何修改。请重新提交。",
        "bad_media": "本站只接受浏览器提交的表单，没有做任何修改。",
        "method_not_allowed": "此页面不能这样使用（链接或按钮已过期）。请返回并刷新页面。",
        "unavailable": "暂时无法连接交易数据库，没有做任何修改。请稍后重试。",
        "refused_only_by_command": "“{field}”只能通过相应操作（推进或审批）修改，"
        "不能直接编辑交易。",
        "refused_id_fixed": "交易编号不能修改：请新建一笔交易。",
        "refused_lacks_role": "{by} 没有“{role}”角色，不能以此身份审批。",
        "refused_owner_decides": "{by} 是交易 {deal} 的负责人，不能批准或驳回：须由他人决定。",
        "refused_former_owner_decides": "{by} 创建或负责过交易 {deal}，不能批准或驳回："
        "须由他人决定。",
        "refused_already_approved": "{by} 已以“{role}”身份批准过交易 {deal}。",
        "refused_already_rejected": "{by} 已以“{role}”身份驳回过交易 {deal}。",
        "refused_not_owner": "{by} 不是交易 {deal} 的负责人：只有负责人（{owner}）或管理员"
        "可以修改或推进。",
        "refused_unreached_stage": "交易 {deal} 不能从“{stage}”阶段开始：它不可能从“{first}”"
        "走到那里。从“{stuck_from}”到“{stuck_to}”还需要：{needs}。请从“{first}”开始创建，"
        "或请管理员导入。",
        "refused_unreached_no_way": "交易 {deal} 不能从“{stage}”阶段开始：规则手册中没有从"
        "“{first}”通往该阶段的推进。请从“{first}”开始创建，或请管理员导入。",
        "refused_unreached_stuck": "交易 {deal} 不能从“{stage}”阶段开始：它尚不满足从"
        "“{stuck_from}”推进到“{stuck_to}”的条件，不可能从“{first}”走到那里。请从“{first}”"
        "开始创建，或请管理员导入。",
        "refused_owner_is_creator": "{by} 不能替 {owner} 创建交易 {deal}：交易的负责人是创建人；"
        "交给他人负责须由管理员操作。",
        "refused_hand_over_admin": "{by} 不能把交易 {deal} 从 {owner} 转交给 {to}：转交须由管理员"
        "操作。",
        "refused_repin_admin": "{by} 不能为交易 {deal} 重新指定版本：把交易改按其手册的另一版本"
        "判定须由管理员操作；在管理员调整之前，它仍按 {version} 判定。",
        "refused_inactive_user": "用户 {name} 已停用。",
        "owner_moves": "可推进；由负责人（{owner}）或管理员操作。",
        "refused_not_in_force": "{version} 的生效期为 {start} 至 {end}，{day} 不在其内："
        "交易按其日期生效的版本判定。",
        "refused_check_not_awaited": "{by} 既不是交易 {deal} 的负责人，也不持有其待审批的角色，"
        "不能在其历史中记录复核：交易页面已显示其结论。",
        "refused_company_data": "{by} 是交易 {deal} 的负责人，不能修改其中的公司数据（{what}）："
        "由剧本指定的角色或管理员记录（价格：价格管理；信用条件：主管领导；拨付资金：财务部）。"
        "交易本身的条款（单价、数量）由负责人修改。",
        "refused_recorded_by_role": "{by} 没有“{roles}”角色：{path} 由 {roles} 或管理员记录。",
        "refused_account_field_role": "{by} 没有{roles}角色：客户档案的“{field}”由{roles}"
        "或管理员记录。",
        "refused_credit_terms_role": "{by} 没有“supervisor”（主管领导）角色：客户的信用条件"
        "（{fields}）由主管领导或管理员记录。",
        "refused_credit_approver_self": "授信额度批准人须是批准者本人：{by} 只能记录自己的批准，"
        "不能记录 {approver} 的批准。",
        "refused_price_not_listed": "{path}：所填价格 {stated} 与价格表价格 {listed} 不一致。"
        "订单行价格以价格表为准，价格表由{roles}（或管理员）维护；不填价格即按价格表取价。",
        "refused_price_list_role": "{by} 没有价格管理（pricing）角色：价格表由价格管理人员或"
        "管理员维护。",
        "refused_company_data_only": "{by} 不是交易 {deal} 的负责人：只能修改其中的公司数据，"
        "其他内容由负责人（{owner}）修改。",
        "refused_company_data_on_create": "{path}：新建交易不能带入公司数据：须由 {roles}"
        "（或管理员）在已存交易上记录。",
        "refused_owner_not_user": "{name} 不是 kam 的用户：交易的负责人须是能登录的人员。",
        "refused_sign_off_owner": "{path}：交易 {deal} 的签核须由签核人本人记录，"
        "负责人（{owner}）不能自己记录，也不能替他人记录。",
        "refused_sign_off_not_yours": "{path}：{by} 不能以“{role}”身份替 {signer} 签核："
        "签核须由本人以其持有的角色记录。",
        "refused_sign_off_on_create": "{path}：新建交易不能带入签核：须由签核人在已存交易上记录。",
    },
}

# "Edit a playbook" (console/editor.py): kept apart so the page's words stay together.
EDITOR_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "pb_edit": "Edit",
        "pb_edit_h": "Edit {playbook}",
        "pb_edit_intro": "This draft starts from version {base}. Lint checks it as you type; "
        "saving stores it as a new version only when lint finds no error and the tests pass.",
        "edit_text": "Playbook text (YAML)",
        "edit_text_hint": "Change the version and the date it takes effect at the top. Included "
        "modules are read from the playbooks folder; they are not edited here.",
        "edit_tests_text": "Tests: {file}",
        "edit_tests_hint": "The tests the draft must pass, from the version it starts from. "
        "Changed a threshold? The case that expected the old verdict fails at its line: change "
        "its expect if the new verdict is meant. They are saved with the version.",
        "lint_tests_n": "{file}: {n} problems",
        "edit_lint": "Check now",
        "edit_test": "Run the tests",
        "edit_save": "Save as a new version",
        "lint_h": "Problems",
        "lint_none": "Lint found no problem.",
        "lint_n": "Errors: {errors}. Warnings: {warnings}.",
        "at_line": "line {line}, column {column}",
        "in_file": "in {file}",
        "tests_h": "Tests",
        "tests_not_run": "The tests have not been run on this draft yet.",
        "tests_none": "No test file names {file}, so nothing shows this draft works: saving "
        "needs at least one test that passes.",
        "tests_summary": "{passed} of {total} tests passed (the tests of {file}, run on this "
        "draft).",
        "tests_all_passed": "Every test passed.",
        "test_passed": "passed",
        "test_failed": "failed",
        "tests_broken": "A test file could not run",
        "tests_passed_list": "The tests that passed",
        "saved_h": "Versions saved here",
        "saved_none": "No version has been saved from the console yet.",
        "saved_line": "{version}, in force from {start}, saved by {by} at {at}",
        "save_refused": "Not saved",
        "save_lint": "lint found errors in the draft: fix them first.",
        "save_tests": "the tests did not all pass (see Tests).",
        "save_not_playbook": "the text is not a playbook (it needs kam: 1, id and version).",
        "save_other_id": "the text is playbook {given}, not {playbook}.",
        "save_label_taken": 'version "{version}" already exists: give the new version its own '
        "label.",
        "save_label_reserved": 'a version cannot be called "{version}" (no "edit", no '
        '"/"): give it another label.',
        "save_no_start": "the text needs effective_from: the day the version takes effect "
        "({earliest} or later).",
        "save_start_early": "effective_from {given} is too early: a new version takes effect "
        "on {earliest} or later (not in the past, and after the newest version starts).",
        "save_has_end": "the newest version has no effective_to: remove it.",
        "not_editor": "Editing playbooks needs the role playbook_editor.",
    },
    "zh": {
        "pb_edit": "编辑",
        "pb_edit_h": "编辑 {playbook}",
        "pb_edit_intro": "此草稿基于版本 {base}。输入时即进行检查；只有检查无错误且测试全部通过时，"
        "保存才会存为新版本。",
        "edit_text": "规则手册文本（YAML）",
        "edit_text_hint": "在顶部修改版本号和生效日期。"
        "引用的模块从规则手册文件夹读取，不在此编辑。",
        "edit_tests_text": "测试：{file}",
        "edit_tests_hint": "草稿必须通过的测试，来自草稿所基于的版本。修改了阈值？"
        "预期旧结论的用例会在其所在行失败：如新结论正是所要的，请修改该用例的 expect。"
        "测试随版本一并保存。",
        "lint_tests_n": "{file}：{n} 个问题",
        "edit_lint": "立即检查",
        "edit_test": "运行测试",
        "edit_save": "保存为新版本",
        "lint_h": "问题",
        "lint_none": "检查未发现问题。",
        "lint_n": "{errors} 个错误，{warnings} 个警告",
        "at_line": "第 {line} 行第 {column} 列",
        "in_file": "位于 {file}",
        "tests_h": "测试",
        "tests_not_run": "尚未对此草稿运行测试。",
        "tests_none": "没有测试文件指向 {file}，无法证明此草稿可用：保存至少需要一个通过的测试。",
        "tests_summary": "{total} 个测试中通过 {passed} 个（{file} 的测试，针对此草稿运行）。",
        "tests_all_passed": "全部测试通过。",
        "test_passed": "通过",
        "test_failed": "未通过",
        "tests_broken": "有测试文件无法运行",
        "tests_passed_list": "已通过的测试",
        "saved_h": "在此保存的版本",
        "saved_none": "尚未从控制台保存任何版本。",
        "saved_line": "{version}，自 {start} 起生效，由 {by} 于 {at} 保存",
        "save_refused": "未保存",
        "save_lint": "检查发现草稿有错误：请先修正。",
        "save_tests": "测试未全部通过（见“测试”）。",
        "save_not_playbook": "文本不是规则手册（需要 kam: 1、id 和 version）。",
        "save_other_id": "文本是规则手册 {given}，不是 {playbook}。",
        "save_label_taken": "版本“{version}”已存在：请为新版本另起版本号。",
        "save_label_reserved": "版本不能命名为“{version}”（不可用“edit”或“/”）：请另起版本号。",
        "save_no_start": "文本需要 effective_from：版本生效的日期（{earliest} 或之后）。",
        "save_start_early": "effective_from {given} 太早：新版本的生效日期须为 {earliest} "
        "或之后（不能是过去，且须晚于最新版本的生效日期）。",
        "save_has_end": "最新版本没有 effective_to：请删除它。",
        "not_editor": "编辑规则手册需要 playbook_editor 角色。",
    },
}
# issue 11's gaps: a stale form's typed values, sign-offs, what an update changed, new test
# files, a draft too large (prefix con_)
CON_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "con_and_more": "and {n} more",
        "con_taken_approved": "given before kam: approved as {role} by {by} on {on}",
        "con_taken_rejected": "given before kam: rejected as {role} by {by} on {on}",
        "con_rejected_h": "Rejected: the decision can be changed",
        "con_rejected_intro": "A rejection stands until someone holding the role approves, "
        "whoever rejected it included. Changed your mind, or has the owner answered the reason? "
        "Approve it here. On your own deals: who said no and why.",
        "con_rejected_why": "Decision on record",
        "con_rejected_own": "Your deal: change what was rejected and it is asked again, or ask "
        "{by} to reconsider. Someone else must decide it.",
        "con_reconsider_confirm": "I have reconsidered: approve what was rejected",
        "con_reconsider": "Approve after all",
        "con_confirm_needed": "Tick the box to confirm that you approve what was rejected.",
        "con_typed_h": "What you typed was not saved",
        "con_typed_intro": "Someone changed the deal while you had the form open. The form "
        "below shows what is stored now (version {version}). Your changes:",
        "con_typed_line": "you typed {typed}; now stored {now}",
        "con_reapply": "Apply my changes to version {version}",
        "con_signoffs_h": "Sign-offs",
        "con_signs_h": "Sign-offs waiting for you",
        "con_awaited": "awaited",
        "con_attests": "Attests {what} ({field}); the move to {stage} waits for it.",
        "con_sign_off": "Sign off as {role}",
        "con_sign_own": "You own or created this deal: someone else must sign this off.",
        "con_signed_done": "Signed off: {deal} as {role}.",
        "con_new_test": "New test file",
        "con_add_test": "Add the test file",
        "con_new_test_hint": "A new .yaml under tests/ (letters, digits, . _ -). It is saved "
        "with the version, like the files above, once its cases pass.",
        "con_test_name_bad": "{name!r} cannot be a test file's name: a .yaml file under tests/ "
        "(for example tests/key-account-office/more.yaml), plain letters, digits, . _ - only.",
        "con_test_name_taken": "There is a test file {name} already: choose another name.",
        "con_test_files_full": "A draft has at most {most} test files: add the cases to one of "
        "them.",
        "con_too_big": "The draft with its tests is larger than this site accepts ({limit} "
        "in all). Nothing was sent and your text is still here: make it shorter (a large "
        "test file can go into a file of its own), then check or save again.",
    },
    "zh": {
        "con_and_more": "另有 {n} 项",
        "con_taken_approved": "kam 之前已有：{by} 于 {on} 以{role}身份批准",
        "con_taken_rejected": "kam 之前已有：{by} 于 {on} 以{role}身份驳回",
        "con_rejected_h": "已驳回：可改变决定",
        "con_rejected_intro": "驳回在持有该角色的人批准之前一直有效，驳回人本人也可以改为批准。"
        "如果您改变了主意，或负责人已就驳回原因作出答复，可在此改为批准。您负责的交易在此显示"
        "由谁驳回、原因是什么。",
        "con_rejected_why": "已记录的决定",
        "con_rejected_own": "这是您的交易：修改被驳回的内容后将重新报批，或请 {by} 重新考虑。"
        "此项审批须由他人决定。",
        "con_reconsider_confirm": "我已重新考虑，批准此前驳回的内容",
        "con_reconsider": "改为批准",
        "con_confirm_needed": "请勾选确认框，确认您批准此前被驳回的内容。",
        "con_typed_h": "您输入的内容没有保存",
        "con_typed_intro": "您打开表单后，有人修改了这笔交易。下方表单显示的是现在保存的内容（第 "
        "{version} 版）。您的修改：",
        "con_typed_line": "您输入的是 {typed}；现在保存的是 {now}",
        "con_reapply": "把我的修改应用到第 {version} 版",
        "con_signoffs_h": "签核",
        "con_signs_h": "等待您签核",
        "con_awaited": "待签核",
        "con_attests": "证明：{what}（{field}）；推进到“{stage}”需要它。",
        "con_sign_off": "以{role}身份签核",
        "con_sign_own": "您负责或创建了这笔交易：须由他人签核。",
        "con_signed_done": "已签核：{deal}，身份为{role}。",
        "con_new_test": "新测试文件",
        "con_add_test": "添加测试文件",
        "con_new_test_hint": "tests/ 下的新 .yaml 文件（字母、数字及 . _ -）。其用例通过后，"
        "与上面的文件一起随版本保存。",
        "con_test_name_bad": "{name!r} 不能作为测试文件名：须为 tests/ 下的 .yaml 文件"
        "（例如 tests/key-account-office/more.yaml），只用字母、数字及 . _ -。",
        "con_test_name_taken": "已有测试文件 {name}：请另起名称。",
        "con_test_files_full": "一份草稿最多有 {most} 个测试文件：请把用例加到其中一个。",
        "con_too_big": "草稿连同测试超过本站接受的大小（合计 {limit}）。没有发送任何内容，"
        "您的文本仍在页面上：请删减（较大的测试文件可另建一个文件），然后再检查或保存。",
    },
}

# four eyes on a saved version (console/review.py): awaiting review, approve, decline
FOUR_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "four_saved_proposed": "Saved {playbook} {version}. It is awaiting review: it takes "
        "force from {start} once another playbook editor approves it.",
        "four_review_h": "Awaiting review",
        "four_review_intro": "A saved version takes force only when a second playbook editor "
        "(or an admin) approves it. Try it and read what it changes before you decide.",
        "four_proposal": "{version}, from {start}: saved by {by} at {at}",
        "four_against": "What it changes against {version}, in force now",
        "four_no_change": "It means the same as {version}: nothing a deal would see changes.",
        "four_yours": "Awaiting review by another playbook editor: you saved it, so you "
        "cannot approve it.",
        "four_approve": "Approve {version}",
        "four_decline": "Decline {version}",
        "four_reason": "Why declined (the author reads it)",
        "four_try": "Try a deal on it",
        "four_diff_page": "Compare on its own page",
        "four_approved_done": "Approved {playbook} {version}: it is in force from its start.",
        "four_declined_done": "Declined {playbook} {version}: it never takes force.",
        "four_reviewed_h": "Reviews",
        "four_reviewed_line": "{version}: {decision} by {by} at {at}",
        "four_state_approved": "approved",
        "four_state_declined": "declined",
        "four_awaiting": "awaiting review",
        "refused_review_needs_editor": "{by} cannot review playbook versions: that needs the "
        "role playbook_editor or admin.",
        "refused_review_own_version": "{by} saved {version}, so cannot approve or decline it: "
        "another playbook editor (or an admin) reviews it.",
        "refused_review_done": "{version} was already reviewed by {by}: a decision is final "
        "(a correction is a new version).",
        "refused_review_needs_reason": "Say why you decline it: the author reads the reason "
        "to correct the next version.",
        "refused_review_other_hash": "{version} is not the text you reviewed: reload the page "
        "and review what is saved.",
        "refused_review_same_start": "{other} is in force from {start} already: {version} "
        "starting that day too would leave no version in force. Decline it; its author saves "
        "it again with a later start.",
    },
    "zh": {
        "four_saved_proposed": "已保存 {playbook} {version}，等待复核：须由另一位规则编辑"
        "批准后，自 {start} 起生效。",
        "four_review_h": "待复核",
        "four_review_intro": "保存的版本须经第二位规则编辑（或管理员）批准后才生效。"
        "请先试算交易、查看改动，再作决定。",
        "four_proposal": "{version}，自 {start} 起：由 {by} 于 {at} 保存",
        "four_against": "相对现行版本 {version} 的改动",
        "four_no_change": "含义与 {version} 相同：交易不受任何影响。",
        "four_yours": "等待另一位规则编辑复核：此版本由您保存，您不能批准。",
        "four_approve": "批准 {version}",
        "four_decline": "驳回 {version}",
        "four_reason": "驳回理由（作者会看到）",
        "four_try": "用它试算交易",
        "four_diff_page": "在对比页查看",
        "four_approved_done": "已批准 {playbook} {version}：自其生效日期起生效。",
        "four_declined_done": "已驳回 {playbook} {version}：它不会生效。",
        "four_reviewed_h": "复核记录",
        "four_reviewed_line": "{version}：由 {by} 于 {at} {decision}",
        "four_state_approved": "批准",
        "four_state_declined": "驳回",
        "four_awaiting": "待复核",
        "refused_review_needs_editor": "{by} 不能复核规则手册版本：需要 playbook_editor "
        "或 admin 角色。",
        "refused_review_own_version": "{version} 由 {by} 保存，本人不能批准或驳回："
        "须由另一位规则编辑（或管理员）复核。",
        "refused_review_done": "{version} 已由 {by} 复核：决定不可更改（如需修正，请保存新版本）。",
        "refused_review_needs_reason": "请说明驳回理由：作者据此修正下一版本。",
        "refused_review_other_hash": "{version} 不是您复核的文本：请刷新页面，复核已保存的内容。",
        "refused_review_same_start": "{other} 已自 {start} 起生效：{version} 若同日生效，"
        "将没有任何版本有效。请驳回；作者改用更晚的生效日期重新保存。",
    },
}

# the price list and customer accounts (console/prices.py, console/customers.py; prefixes pr_,
# acct_): kept apart so the two pages' words stay together
LEDGER_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "prices": "Price list",
        "customers": "Customers",
        "pr_intro": "Each model's list, floor and retail price, as pricing keeps them. A new "
        "deal's lines take their prices from here; a change reprices no deal already stored.",
        "pr_model": "Model",
        "pr_prices_h": "Prices",
        "pr_list_price": "List price",
        "pr_floor_price": "Floor price",
        "pr_retail_price": "Market retail price",
        "pr_version": "Version",
        "pr_last": "Last set",
        "pr_last_line": "{at} by {by}",
        "pr_empty": "The price list is empty: pricing adds models to it.",
        "pr_add_h": "Add a model",
        "pr_add_hint": "The model's name as deals write it (case and spacing do not matter). "
        "Give at least one price.",
        "pr_change_h": "Change the prices",
        "pr_change_hint": "Type only the prices that change: an empty box leaves that price "
        "as it is.",
        "pr_now": "now {value}",
        "pr_drop": "Take this price away",
        "pr_save": "Save the prices",
        "pr_saved_done": "Prices of {model} saved (version {version}).",
        "pr_nothing": "Nothing changed: the prices of {model} are as they were.",
        "pr_one_price": "Give at least one price for a new model.",
        "pr_keep_one": "A model in the price list keeps at least one price: type a new one "
        "before taking the last one away.",
        "pr_drop_and_type": "type a new price or take it away, not both",
        "pr_model_needed": "give the model's name",
        "pr_model_bad": "a model's name has no '/' and no control characters, and at most "
        "200 characters",
        "pr_stale": "The prices of {model} changed since you opened the form (you saw version "
        "{seen}, it is now {now}). Nothing was saved.",
        "pr_exists": "{model} is in the price list already (version {now}): nothing was saved. "
        "Its prices now are below.",
        "pr_typed_intro": "The form below starts from what is stored now (version {version}). "
        "What you typed:",
        "pr_no_model": "There is no model {model} in the price list.",
        "pr_kind_created": "added it to the price list",
        "pr_kind_updated": "changed its prices",
        "pr_none": "no price",
        "pr_pricing_only": "Prices are set by pricing (or an admin).",
        "acct_intro": "The customer accounts deals refer to. Credit terms are the supervisor's "
        "to record; a field the playbooks declare recorded by a role is that role's.",
        "acct_id": "Account",
        "acct_empty": "No customer account is stored yet.",
        "acct_edit_h": "The account",
        "acct_edit_hint": "An emptied box removes the value (it is then not recorded, never 0 "
        "or no). A field you may not set is shown without a box, with who records it.",
        "acct_kept_by": "recorded by {roles} or an admin",
        "acct_other": "not a field of any playbook: changed with kam customers update",
        "acct_saved_done": "{id} saved (version {version}).",
        "acct_nothing": "Nothing changed: the account is as it was.",
        "acct_stale": "Account {id} changed since you opened it (you saw version {seen}, it "
        "is now {now}). Nothing was saved.",
        "acct_typed_intro": "Someone changed the account while you had the form open. The "
        "form below shows what is stored now (version {version}). Your changes:",
        "acct_no_customer": "There is no customer account {id}.",
        "acct_name_needed": "needed: the account's name, as on its contracts",
        "acct_kind_created": "created the account",
        "acct_kind_updated": "changed the account",
        "acct_kind_recorded": "recorded the account as it stood",
        "acct_or": ", ",
        "acct_f_name": "Name",
        "acct_f_territory": "Territory",
        "acct_f_class": "Customer class",
        "acct_f_credit_limit": "Credit limit",
        "acct_f_credit_limit_approved_by": "Credit limit approved by (supervisor)",
        "acct_f_credit_checked_on": "Credit investigated on",
        "acct_f_receivables": "Receivables",
        "acct_f_overdue_days": "Days overdue",
        "acct_f_largest_batch_this_year": "Largest batch this year",
        "acct_f_state_organ": "State organ",
    },
    "zh": {
        "prices": "价格表",
        "customers": "客户档案",
        "pr_intro": "各车型的指导价、商务政策底价和市场零售价，由价格管理人员维护。新建交易的订单行"
        "从这里取价；修改价格不影响已保存的交易。",
        "pr_model": "车型",
        "pr_prices_h": "价格",
        "pr_list_price": "指导价",
        "pr_floor_price": "商务政策底价",
        "pr_retail_price": "市场零售价",
        "pr_version": "版本",
        "pr_last": "最近设定",
        "pr_last_line": "{at}，{by}",
        "pr_empty": "价格表还是空的：由价格管理人员添加车型。",
        "pr_add_h": "添加车型",
        "pr_add_hint": "车型名称按交易中的写法填写（不区分大小写和空格）。至少填写一个价格。",
        "pr_change_h": "修改价格",
        "pr_change_hint": "只填写要修改的价格：留空的价格保持不变。",
        "pr_now": "现为 {value}",
        "pr_drop": "取消此价格",
        "pr_save": "保存价格",
        "pr_saved_done": "{model} 的价格已保存（第 {version} 版）。",
        "pr_nothing": "没有修改：{model} 的价格保持原样。",
        "pr_one_price": "新车型至少要填写一个价格。",
        "pr_keep_one": "价格表中的车型至少保留一个价格：请先填写新价格，再取消最后一个。",
        "pr_drop_and_type": "填写新价格或取消此价格，只能二选一",
        "pr_model_needed": "请填写车型名称",
        "pr_model_bad": "车型名称不能含“/”或控制字符，最多 200 个字符",
        "pr_stale": "{model} 的价格在您打开表单后已被修改（您看到的是第 {seen} 版，现在是第 "
        "{now} 版）。没有保存任何内容。",
        "pr_exists": "{model} 已在价格表中（第 {now} 版）：没有保存任何内容。下方是它现在的价格。",
        "pr_typed_intro": "下方表单以现在保存的内容（第 {version} 版）为准。您输入的是：",
        "pr_no_model": "价格表中没有车型 {model}。",
        "pr_kind_created": "将其加入价格表",
        "pr_kind_updated": "修改了价格",
        "pr_none": "无价格",
        "pr_pricing_only": "价格由价格管理人员（或管理员）设定。",
        "acct_intro": "交易所引用的客户档案。信用条件由主管领导记录；规则手册指定由某一角色记录的"
        "字段，由该角色记录。",
        "acct_id": "客户编号",
        "acct_empty": "还没有保存任何客户档案。",
        "acct_edit_h": "客户档案内容",
        "acct_edit_hint": "清空即删除该值（视为未记录，不当作 0 或“否”）。您不能修改的字段只显示"
        "内容，并注明由谁记录。",
        "acct_kept_by": "由{roles}或管理员记录",
        "acct_other": "不属于任何规则手册的字段：用 kam customers update 修改",
        "acct_saved_done": "{id} 已保存（第 {version} 版）。",
        "acct_nothing": "没有修改：客户档案保持原样。",
        "acct_stale": "客户档案 {id} 在您打开后已被修改（您看到的是第 {seen} 版，现在是第 {now} "
        "版）。没有保存任何内容。",
        "acct_typed_intro": "您打开表单后，有人修改了这份客户档案。下方表单显示的是现在保存的内容"
        "（第 {version} 版）。您的修改：",
        "acct_no_customer": "没有客户档案 {id}。",
        "acct_name_needed": "必填：客户名称，与合同上的一致",
        "acct_kind_created": "建立了客户档案",
        "acct_kind_updated": "修改了客户档案",
        "acct_kind_recorded": "按当时内容登记了客户档案",
        "acct_or": "、",
        "acct_f_name": "名称",
        "acct_f_territory": "所在辖区",
        "acct_f_class": "客户类别",
        "acct_f_credit_limit": "授信额度",
        "acct_f_credit_limit_approved_by": "授信额度批准人（主管领导）",
        "acct_f_credit_checked_on": "信用调查日期",
        "acct_f_receivables": "应收账款",
        "acct_f_overdue_days": "逾期天数",
        "acct_f_largest_batch_this_year": "本年最大单批台数",
        "acct_f_state_organ": "国家机关",
    },
}


for _lang, _words in (
    *EDITOR_WORDS.items(),
    *CON_WORDS.items(),
    *FOUR_WORDS.items(),
    *LEDGER_WORDS.items(),
):
    if _words.keys() & WORDS[_lang].keys():  # one key, two pages: one would get the other's text
        raise RuntimeError(f"console words given twice: {sorted(_words.keys() & WORDS[_lang])}")
    WORDS[_lang].update(_words)


def say(lang: str, key: str, **values: str) -> str:
    """The console's word for ``key`` in ``lang`` (English when a language lacks it)."""
    text = WORDS.get(lang, WORDS["en"]).get(key) or WORDS["en"][key]
    return text.format(**values) if values else text
