// A tiny Apps Script project for the emulator's HTTP tests (not the bridge).
function hello(name) {
  return { greeting: 'hola ' + name, n: 3 };
}

function nothing() {}

function boom() {
  throw new Error('boom from the script');
}

function headerOf(spreadsheetId) {
  return SpreadsheetApp.openById(spreadsheetId).getSheets()[0].getRange(1, 1, 1, 3).getValues()[0];
}
