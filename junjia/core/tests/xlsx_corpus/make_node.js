// Writes the corpus files of the JavaScript producers behind web systems' "导出Excel" buttons:
// SheetJS (npm xlsx) and ExcelJS. They are not project dependencies; install them apart:
//   mkdir /tmp/xlsxgen && cd /tmp/xlsxgen && npm install xlsx exceljs
//   NODE_PATH=/tmp/xlsxgen/node_modules node make_node.js
const path = require("path");
const XLSX = require("xlsx");
const ExcelJS = require("exceljs");

const HERE = __dirname;
const HEADER = ["身份证号码", "姓名", "出生日期", "整数", "小数", "是否", "备注"];
const utc = (y, m, d, h = 0, mi = 0) => new Date(Date.UTC(y, m - 1, d, h, mi));
const ROWS = [
  ["110101198509201234", "张三", utc(1985, 9, 20), 42, 1.5, true, 'A&B <1> "引号"'],
  ["110101198509201234", "李四", "1985-09-20", -7, 0.1, false, " 前后有空格 "],
  [],
  ["11010119850920123X", "王五", utc(2020, 1, 31, 8, 30), 0, 1e20, null, "换\n行"],
  [null, "赵六", null, 13800138000, -2.5, null, null],
];

function sheetjs(name, options, workbookProps) {
  const ws = XLSX.utils.aoa_to_sheet([HEADER, ...ROWS], { cellDates: true, UTC: true });
  ws["A8"] = { t: "e", v: 0x2a }; // #N/A
  ws["B8"] = { t: "e", v: 0x07 }; // #DIV/0!
  ws["!ref"] = "A1:G8";
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, ws, "基本信息");
  if (workbookProps) wb.Workbook = { WBProps: workbookProps };
  XLSX.writeFile(wb, path.join(HERE, name), options);
}

async function exceljs(name, date1904, formula) {
  const wb = new ExcelJS.Workbook();
  if (date1904) wb.properties.date1904 = true;
  const ws = wb.addWorksheet("基本信息");
  ws.addRow(HEADER);
  for (const row of ROWS) ws.addRow(row);
  ws.getColumn(3).numFmt = "yyyy-mm-dd";
  ws.getCell("G7").value = { richText: [{ text: "富" }, { font: { bold: true }, text: "文本" }] };
  ws.getCell("A8").value = { error: "#N/A" };
  ws.getCell("B8").value = { error: "#DIV/0!" };
  if (formula) ws.getCell("C8").value = { formula: "1+1", result: 2 };
  await wb.xlsx.writeFile(path.join(HERE, name));
}

async function main() {
  sheetjs("sheetjs.xlsx", { cellDates: false });
  sheetjs("sheetjs_dates.xlsx", { cellDates: true });
  sheetjs("sheetjs_shared.xlsx", { bookSST: true });
  sheetjs("sheetjs_1904.xlsx", {}, { date1904: true });
  await exceljs("exceljs.xlsx", false);
  await exceljs("exceljs_1904.xlsx", true);
  await exceljs("exceljs_formula.xlsx", false, true); // refused: a formula
}

main();
