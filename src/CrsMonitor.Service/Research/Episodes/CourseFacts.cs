using CrsMonitor.Service.Assessment;
using CrsMonitor.Service.Monitoring.Schedule;
using CrsMonitor.Service.Readings;

namespace CrsMonitor.Service.Research.Episodes;

/// <summary>
/// What the episode records of one patient are built from, loaded once (<see cref="CourseFactsStore"/>): the grade
/// timeline computed over the whole course as of the export (the stored episodes of a patient nobody wrote for since
/// its episode closed still read "open"), the protocol doses and the windows they opened, and the readings
/// (temperatures, oxygen, medications, neuro checks, labs).
/// </summary>
public sealed record CourseFacts(
    string PatientId,
    DateOnly? BirthDate,
    Timeline Timeline,
    IReadOnlyList<DoseRow> Doses,
    IReadOnlyList<WindowRow> Windows,
    IReadOnlyList<Reading> Readings);
