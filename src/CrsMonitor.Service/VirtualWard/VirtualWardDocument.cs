using CrsMonitor.Service.Alerts;
using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Devices;
using CrsMonitor.Service.Monitoring.Outpatient;
using CrsMonitor.Service.Monitoring.Schedule;

namespace CrsMonitor.Service.VirtualWard;

/// <summary>The virtual ward of a unit at <c>asOf</c>: its patients monitored outside the hospital, most urgent first.</summary>
public sealed record VirtualWardDocument(string Unit, DateTimeOffset AsOf, IReadOnlyList<VirtualWardRow> Patients);

/// <summary>
/// One patient on the virtual ward: where they are monitored and the window that ends first; the grades; the last data
/// of every signal with its stream's state; wear time per device in the windows open now; the data gaps; the pre-fever
/// watch; the open alerts (the documents the alert routes return).
/// </summary>
public sealed record VirtualWardRow(
    string PatientId, string? DisplayName, string? Setting, WindowView? Window, GradeBrief Crs, GradeBrief Icans,
    IReadOnlyList<SignalView> Signals, IReadOnlyList<WearView> Wear, NoDataSummary? NoData, PreFeverWatchView? PreFeverWatch,
    IReadOnlyList<AlertDocument> Alerts);

/// <summary>
/// A signal's last data: when, the value as sent (e.g. <c>37.2 Cel</c>; blood pressure <c>118/74 mm[Hg]</c>), from which
/// device, and its enrolled stream's state (<c>receiving</c>, <c>no-data</c>, <c>silent</c>) or <c>not-enrolled</c>.
/// </summary>
public sealed record SignalView(string Signal, string Words, DateTimeOffset? LastAt, string? Value, string? Device, string Stream, DateTimeOffset? SilentSince);
