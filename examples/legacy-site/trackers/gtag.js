// A stand-in for an analytics tag: it writes its identifiers the way the real
// one does, from script, and reports that it ran.
document.cookie = "_ga=GA1.1.1234567890.1700000000; path=/; max-age=63072000";
document.cookie = "_ga_DEMO1234=GS1.1.1700000000.1.0.1700000000.0.0.0; path=/; max-age=63072000";
window.demoTrackerRan = (window.demoTrackerRan || 0) + 1;
