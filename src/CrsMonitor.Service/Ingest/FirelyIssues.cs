using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// Turns the Firely parser's findings into OperationOutcome issues: the instance path rewritten to the JSON names the
/// client sent (Firely says <c>Observation.value.value</c> for <c>valueQuantity.value</c> and <c>$this.status</c>
/// for a missing <c>status</c>), the message in plain words, Firely's error code in <c>details</c> and the line and
/// position in <c>location</c>.
/// </summary>
internal static partial class FirelyIssues
{
    /// <summary>Hints added to Firely's own message, by error code.</summary>
    private static readonly Dictionary<string, string> Hints = new(StringComparer.Ordinal)
    {
        ["PVAL105"] = "it is required by FHIR R4",
        ["PVAL116"] = "use one of the codes the value set allows",
        ["PVAL128"] = "it is not an element of this type in FHIR R4 (check the spelling; data of your own goes in an extension)",
        ["PVAL101"] = "a choice element's name ends with the type of its value (valueQuantity, effectiveDateTime, ...)",
        ["JSON114"] = "a choice element's name ends with the type of its value (valueQuantity, effectiveDateTime, ...)",
        ["JSON129"] = "a resource must give each property once",
    };

    /// <summary>
    /// The first <see cref="FhirOutcomes.MaxIssues"/> errors as issues, and how many more errors there were (counted,
    /// not described: following a path in the JSON costs up to the size of the objects on it, and describing every one
    /// of thousands of unknown elements made a parse quadratic in the body's size).
    /// </summary>
    public static (List<OperationOutcome.IssueComponent> Issues, int NotListed) ToIssues(IEnumerable<CodedException> found, ReadOnlyMemory<byte> json, string resourceType)
    {
        var result = new List<OperationOutcome.IssueComponent>();
        var notListed = 0;
        JsonDocument? document = null;
        try
        {
            foreach (var issue in found)
            {
                var extended = issue as ExtendedCodedException;
                var severity = extended?.IssueSeverity ?? OperationOutcome.IssueSeverity.Error;
                if (severity is not (OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal))
                {
                    continue;
                }

                if (result.Count == FhirOutcomes.MaxIssues)
                {
                    notListed++;
                    continue;
                }

                document ??= TryParse(json);
                var (path, element) = ToJsonPath(extended?.InstancePath, document?.RootElement, resourceType);
                var message = Plain(extended?.BaseErrorMessage ?? issue.Message, resourceType);
                var text = LocalTime(element) is { } local
                    ? $"{path} '{local}' has a time of day but no UTC offset: add Z or +hh:mm (a local time cannot be placed on the timeline)"
                    : $"{path}: {message.TrimEnd('.')}{(Hints.TryGetValue(issue.ErrorCode, out var hint) ? $"; {hint}" : string.Empty)}";
                var location = extended?.LineNumber is { } line
                    ? string.Create(CultureInfo.InvariantCulture, $"line {line}, position {extended.Position}")
                    : null;
                result.Add(FhirOutcomes.Issue(
                    OperationOutcome.IssueSeverity.Error, extended?.IssueType ?? OperationOutcome.IssueType.Invalid, path, text,
                    new Coding(FhirOutcomes.FirelyErrorSystem, issue.ErrorCode, extended?.Display), location));
            }
        }
        finally
        {
            document?.Dispose();
        }

        return (result, notListed);
    }

    /// <summary>
    /// Firely's instance path as the JSON the client sent: choice elements get their type suffix back
    /// (<c>value</c> → <c>valueQuantity</c>), <c>$this</c> and unnamed roots become the resource type. Where the JSON
    /// cannot be followed, the rest of Firely's path is kept as it is.
    /// </summary>
    internal static (string Path, JsonElement? Element) ToJsonPath(string? instancePath, JsonElement? root, string resourceType)
    {
        if (string.IsNullOrEmpty(instancePath))
        {
            return (resourceType, root);
        }

        var steps = instancePath.Split('.');
        var path = new System.Text.StringBuilder(resourceType);
        JsonElement? current = root;
        for (var i = 1; i < steps.Length; i++)
        {
            var match = StepPattern().Match(steps[i]);
            if (!match.Success)
            {
                path.Append('.').Append(steps[i]);
                current = null;
                continue;
            }

            var name = match.Groups["name"].Value;
            int? index = match.Groups["index"].Success ? int.Parse(match.Groups["index"].Value, CultureInfo.InvariantCulture) : null;
            if (current is { ValueKind: JsonValueKind.Object } obj)
            {
                if (obj.TryGetProperty(name, out var next))
                {
                    current = next;
                }
                else if (ChoiceProperty(obj, name) is { } choice)
                {
                    name = choice.Name;
                    current = choice.Value;
                }
                else
                {
                    current = null;
                }
            }
            else
            {
                current = null;
            }

            path.Append('.').Append(name.Length <= 64 ? name : name[..64] + "...");
            if (index is { } n)
            {
                path.Append('[').Append(n.ToString(CultureInfo.InvariantCulture)).Append(']');
                current = current is { ValueKind: JsonValueKind.Array } array && n < array.GetArrayLength() ? array[n] : null;
            }
        }

        return (path.ToString(), current);
    }

    /// <summary>Firely's message with its placeholders for the root named and long literals cut short.</summary>
    private static string Plain(string message, string resourceType) =>
        LongLiteral().Replace(message.Replace("UnnamedResource_$this", resourceType, StringComparison.Ordinal).Replace("$this", resourceType, StringComparison.Ordinal),
            m => $"'{m.Groups["start"].Value}...'");

    /// <summary>The property of <paramref name="obj"/> that is the choice element <paramref name="name"/> (valueQuantity for value).</summary>
    private static (string Name, JsonElement Value)? ChoiceProperty(JsonElement obj, string name)
    {
        foreach (var property in obj.EnumerateObject())
        {
            var p = property.Name;
            if (p.Length > name.Length && p.StartsWith(name, StringComparison.Ordinal) && char.IsAsciiLetterUpper(p[name.Length]))
            {
                return (p, property.Value);
            }
        }

        return null;
    }

    /// <summary>The string when it is a date with a time of day but no offset (the commonest interface-engine mistake).</summary>
    private static string? LocalTime(JsonElement? element) =>
        element is { ValueKind: JsonValueKind.String } e && e.GetString() is { } text && LocalDateTimePattern().IsMatch(text) ? text : null;

    private static JsonDocument? TryParse(ReadOnlyMemory<byte> json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = FhirJson.MaxDepth });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^(?<name>[A-Za-z_$][A-Za-z0-9_$]*)(\[(?<index>[0-9]{1,9})\])?$", RegexOptions.CultureInvariant)]
    private static partial Regex StepPattern();

    [GeneratedRegex(@"'(?<start>[^']{80})[^']{20,}'", RegexOptions.CultureInvariant)]
    private static partial Regex LongLiteral();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex LocalDateTimePattern();
}
