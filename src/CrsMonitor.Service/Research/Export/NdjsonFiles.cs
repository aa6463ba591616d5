using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// Turns what the content built into the files of an export: each line checked to be one JSON resource of its file's
/// type on one line, files without resources left out (a type with nothing to export has no file), the rest named
/// <c>{type}-{n}.ndjson</c> (n from 1 per type, in the content's order) with each line followed by a line feed. A
/// breach of the contract fails the export (<see cref="ExportContentException"/>): a file that a client would read
/// wrongly is never served.
/// </summary>
public static class NdjsonFiles
{
    public const string Extension = ".ndjson";

    public static IReadOnlyList<NamedExportFile> Prepare(IReadOnlyList<ExportFile> files, ExportScope scope)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(scope);
        var perType = new Dictionary<string, int>(StringComparer.Ordinal);
        var named = new List<NamedExportFile>();
        foreach (var file in files)
        {
            if (file?.ResourceType is not { } type || !scope.Types.Contains(type))
            {
                throw new ExportContentException($"The export content gave a file of type '{file?.ResourceType}', which this export did not ask for (asked: {string.Join(", ", scope.Types)}).");
            }

            if (!IsTypeName(type))
            {
                throw new ExportContentException($"The export content gave a file of type '{type}', which is not a FHIR resource type name.");
            }

            var lines = file.Lines ?? [];
            if (lines.Count == 0)
            {
                continue;
            }

            var text = new StringBuilder();
            for (var i = 0; i < lines.Count; i++)
            {
                Check(type, i + 1, lines[i]);
                text.Append(lines[i]).Append('\n');
            }

            var n = perType[type] = perType.GetValueOrDefault(type) + 1;
            named.Add(new NamedExportFile(NameOf(type, n), type, lines.Count, text.ToString()));
        }

        return named;
    }

    public static string NameOf(string resourceType, int n) => string.Create(CultureInfo.InvariantCulture, $"{resourceType}-{n}{Extension}");

    /// <summary>Whether <paramref name="name"/> could be a file name of an export (what the file route accepts before it looks).</summary>
    public static bool IsFileName(string name) =>
        name.Length is > 7 and <= 128 && name.EndsWith(Extension, StringComparison.Ordinal)
        && name[..^Extension.Length].All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static bool IsTypeName(string type) =>
        type is { Length: > 0 and <= 64 } && char.IsAsciiLetterUpper(type[0]) && type.All(char.IsAsciiLetterOrDigit);

    private static void Check(string type, int lineNumber, string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            throw Bad(type, lineNumber, "is empty");
        }

        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c is '\n' or '\r' or '\0')
            {
                throw Bad(type, lineNumber, "holds a line break or NUL (one resource per line, no line breaks inside)");
            }

            if (char.IsHighSurrogate(c) && i + 1 < line.Length && char.IsLowSurrogate(line[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw Bad(type, lineNumber, "holds an unpaired surrogate (not UTF-8 text)");
            }
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("resourceType", out var resourceType)
                || resourceType.ValueKind != JsonValueKind.String
                || resourceType.GetString() != type)
            {
                throw Bad(type, lineNumber, $"is not a {type} resource (its resourceType must be \"{type}\")");
            }
        }
        catch (JsonException e)
        {
            throw new ExportContentException($"The export content's {type} file, line {lineNumber}, is not JSON: {e.Message}", e);
        }
    }

    private static ExportContentException Bad(string type, int lineNumber, string what) =>
        new($"The export content's {type} file, line {lineNumber}, {what}.");
}
