using System.Globalization;
using System.Text.Json.Nodes;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// The Bulk Data complete-status body (IG v2.0.0): <c>transactionTime</c> (the kick-off instant the data is read as of),
/// <c>request</c> (the kick-off URL), <c>requiresAccessToken</c> (true: the files are served to their researcher's
/// token only), <c>output</c> (<c>[{type, url, count}]</c>, one per file, in the order of the types asked for) and
/// <c>error</c> (always empty: a failed export answers 500 instead of a manifest with error files).
/// </summary>
public static class ExportManifest
{
    /// <summary>A FHIR instant: UTC, fraction of a second only as far as it has digits.</summary>
    public static string Instant(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <param name="job">A completed export.</param>
    /// <param name="files">Its files, in any order.</param>
    /// <param name="fileUrl">The absolute URL of a file by its name.</param>
    public static string For(ExportJob job, IReadOnlyList<StoredExportFile> files, Func<string, string> fileUrl)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(fileUrl);
        var order = job.Types.Select((type, index) => (type, index)).ToDictionary(p => p.type, p => p.index, StringComparer.Ordinal);
        var output = new JsonArray();
        foreach (var file in files
            .OrderBy(f => order.GetValueOrDefault(f.ResourceType, int.MaxValue))
            .ThenBy(f => f.Name.Length)
            .ThenBy(f => f.Name, StringComparer.Ordinal))
        {
            output.Add(new JsonObject { ["type"] = file.ResourceType, ["url"] = fileUrl(file.Name), ["count"] = file.LineCount });
        }

        return new JsonObject
        {
            ["transactionTime"] = Instant(job.TransactionTime),
            ["request"] = job.RequestUrl,
            ["requiresAccessToken"] = true,
            ["output"] = output,
            ["error"] = new JsonArray(),
        }.ToJsonString();
    }
}
