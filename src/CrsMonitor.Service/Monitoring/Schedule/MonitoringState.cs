namespace CrsMonitor.Service.Monitoring.Schedule;

/// <summary>
/// A patient's monitoring as a refresh left it, in the store's order: the episodes it read, the doses and windows after
/// it brought them up to date, and the events it recorded (the patient's other events are not in it).
/// </summary>
public sealed record MonitoringState(
    IReadOnlyList<EventRow> Recorded, IReadOnlyList<EpisodeSpan> Episodes, IReadOnlyList<DoseRow> Doses, IReadOnlyList<WindowRow> Windows);
