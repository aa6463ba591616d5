using CrsMonitor.Service.Research.Deidentification;
using CrsMonitor.Service.Research.Episodes;

namespace CrsMonitor.Service.Research.Csv;

/// <summary>One column of the episode CSV: its name, what it holds, its format, the CIBMTR question it answers, and its value.</summary>
public sealed record CsvColumn(string Name, string Description, string Format, string CibmtrQuestion, Func<EpisodeRecord, Deidentifier, string?> Value);
