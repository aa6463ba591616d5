using System.Collections.Concurrent;
using CrsMonitor.Service.Research.Export;

namespace CrsMonitor.Service.Tests.Research.Export;

/// <summary>
/// The export content as a test double (the real one, ResearchExportContent, is the research feature's): three types,
/// lines the test chooses (<see cref="Scripted"/> by default: AdverseEvent in one file, Observation in two, no
/// MedicationAdministration), or any behaviour a test sets with <see cref="Answer"/> (throw, block until released). It
/// records every scope it was asked for.
/// </summary>
internal sealed class TestExportContent : IResearchExportContent
{
    public static readonly IReadOnlyList<string> Types = ["AdverseEvent", "Observation", "MedicationAdministration"];

    /// <summary>Non-ASCII text and a character outside the BMP, so a file that is not passed on byte for byte shows.</summary>
    public static readonly IReadOnlyList<string> AdverseEvents =
    [
        """{"resourceType":"AdverseEvent","id":"ae-1","event":{"text":"Fièvre ≥ 38 °C"},"seriousness":{"text":"grade 2"}}""",
        """{"resourceType":"AdverseEvent","id":"ae-2","event":{"text":"ICANS 😷 grade 1"}}""",
        """{"resourceType":"AdverseEvent","id":"ae-3","event":{"text":"CRS\tgrade 3"}}""",
    ];

    public static readonly IReadOnlyList<string> ObservationsFirst =
    [
        """{"resourceType":"Observation","id":"lab-1","status":"final","valueQuantity":{"value":1.25,"unit":"mg/dL"}}""",
        """{"resourceType":"Observation","id":"lab-2","status":"final","valueQuantity":{"value":12,"unit":"mg/L"}}""",
    ];

    public static readonly IReadOnlyList<string> ObservationsSecond =
    [
        """{"resourceType":"Observation","id":"lab-3","status":"final","valueString":"<5 mg/L"}""",
    ];

    private volatile Func<ExportScope, CancellationToken, Task<IReadOnlyList<ExportFile>>> build = Scripted;

    public IReadOnlyList<string> ResourceTypes => Types;

    public ConcurrentQueue<ExportScope> Scopes { get; } = new();

    /// <summary>What the next builds do.</summary>
    public void Answer(Func<ExportScope, CancellationToken, Task<IReadOnlyList<ExportFile>>> behaviour) => build = behaviour;

    public Task<IReadOnlyList<ExportFile>> BuildAsync(ExportScope scope, CancellationToken ct)
    {
        Scopes.Enqueue(scope);
        return build(scope, ct);
    }

    /// <summary>The scripted files of the types asked for (MedicationAdministration: an empty file, which is no file).</summary>
    public static Task<IReadOnlyList<ExportFile>> Scripted(ExportScope scope, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var files = new List<ExportFile>();
        if (scope.Types.Contains("AdverseEvent"))
        {
            files.Add(new ExportFile("AdverseEvent", AdverseEvents));
        }

        if (scope.Types.Contains("Observation"))
        {
            files.Add(new ExportFile("Observation", ObservationsFirst));
            files.Add(new ExportFile("Observation", ObservationsSecond));
        }

        if (scope.Types.Contains("MedicationAdministration"))
        {
            files.Add(new ExportFile("MedicationAdministration", []));
        }

        return Task.FromResult<IReadOnlyList<ExportFile>>(files);
    }

    /// <summary>A file's bytes as served: each line and a line feed, UTF-8.</summary>
    public static byte[] FileBytes(IEnumerable<string> lines) =>
        System.Text.Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));
}
