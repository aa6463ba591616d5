using System.Globalization;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// Every dateTime in a resource that has a time of day must carry its UTC offset: a local time cannot be placed on
/// the timeline. The parser already refuses such literals in what clients send; this walk also covers resources
/// built or rewritten in code. Every dateTime, instant and date must also lie in <see cref="SupportedInstants"/>.
/// </summary>
internal static class DateTimeOffsets
{
    public static void Check(Base node, string relative, Findings f)
    {
        foreach (var (name, value) in node.EnumerateElements())
        {
            switch (value)
            {
                case Base child:
                    Visit(child, $"{relative}.{ElementName(node, name, child)}", f);
                    break;
                case IEnumerable<Base> list:
                    var i = 0;
                    foreach (var item in list)
                    {
                        Visit(item, string.Create(CultureInfo.InvariantCulture, $"{relative}.{name}[{i++}]"), f);
                    }

                    break;
                default:
                    break;
            }
        }
    }

    private static void Visit(Base element, string path, Findings f)
    {
        if (element is FhirDateTime dateTime)
        {
            var kind = FhirTime.Read(dateTime.Value).Kind;
            if (kind == TimeKind.OutOfRange)
            {
                f.Error(path, SupportedInstants.Problem(dateTime.Value!), OperationOutcome.IssueType.Value);
            }
            else if (kind == TimeKind.NoOffset)
            {
                f.Error(path, $"'{dateTime.Value}' has a time of day but no UTC offset: add Z or +hh:mm (a local time cannot be placed on the timeline)");
            }
            else if (kind == TimeKind.Invalid && dateTime.Value is not null)
            {
                f.Error(path, $"'{dateTime.Value}' is not a valid FHIR dateTime");
            }
        }

        else if (element is Instant { Value: { } instant } && !SupportedInstants.Contains(instant))
        {
            f.Error(path, SupportedInstants.Problem(instant.ToString("o", CultureInfo.InvariantCulture)), OperationOutcome.IssueType.Value);
        }
        else if (element is Date { Value: { } date } && Hl7.Fhir.ElementModel.Types.Date.TryParse(date, out var day)
            && !SupportedInstants.Contains(new DateOnly(day.Years ?? 1, day.Months ?? 1, day.Days ?? 1)))
        {
            f.Error(path, SupportedInstants.Problem(date), OperationOutcome.IssueType.Value);
        }

        if (element is not PrimitiveType)
        {
            Check(element, path, f);
        }
    }

    /// <summary>The JSON name of an element: a choice element carries its type (effective → effectiveDateTime).</summary>
    private static string ElementName(Base parent, string name, Base child)
    {
        var mapping = ModelInfo.ModelInspector.FindOrImportClassMapping(parent.GetType())?.FindMappedElementByName(name);
        return mapping is { Choice: not ChoiceType.None }
            ? name + char.ToUpperInvariant(child.TypeName[0]) + child.TypeName[1..]
            : name;
    }
}
