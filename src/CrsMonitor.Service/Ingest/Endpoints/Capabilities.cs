using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary><c>GET /fhir/metadata</c>: exactly what this server does, no more.</summary>
public static class Capabilities
{
    public static CapabilityStatement Statement(DateTimeOffset now)
    {
        var rest = new CapabilityStatement.RestComponent
        {
            Mode = CapabilityStatement.RestfulCapabilityMode.Server,
            Documentation = "Bearer JWT on everything but metadata. Integration clients write; nurses and physicians read the patients "
                + "of their units. Observations, MedicationAdministrations and QuestionnaireResponses are graded (ASTCT 2019).",
        };
        foreach (var type in FhirEndpoints.SupportedTypes)
        {
            var resource = new CapabilityStatement.ResourceComponent
            {
                Type = type,
                Versioning = CapabilityStatement.ResourceVersionPolicy.Versioned,
                ReadHistory = false,
                UpdateCreate = true,
                ConditionalCreate = FhirEndpoints.ConditionalCreateTypes.Contains(type),
                ConditionalUpdate = false,
                ConditionalDelete = CapabilityStatement.ConditionalDeleteStatus.NotSupported,
            };
            resource.Interaction.AddRange(
                new[] { CapabilityStatement.TypeRestfulInteraction.Read, CapabilityStatement.TypeRestfulInteraction.Vread,
                        CapabilityStatement.TypeRestfulInteraction.Create, CapabilityStatement.TypeRestfulInteraction.Update }
                    .Select(code => new CapabilityStatement.ResourceInteractionComponent { Code = code }));
            if (type == "Observation")
            {
                resource.Interaction.Add(new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType });
                resource.SearchParam.Add(new CapabilityStatement.SearchParamComponent
                {
                    Name = "patient", Type = SearchParamType.Reference, Documentation = "Required. Patient/[id] or [id].",
                });
                resource.SearchParam.Add(new CapabilityStatement.SearchParamComponent
                {
                    Name = "code", Type = SearchParamType.Token,
                    Documentation = "system|code, |code or code; comma = or. Derived grades: https://crsmonitor.org/fhir/CodeSystem/observation|crs-grade, |icans-grade.",
                });
                resource.SearchParam.Add(new CapabilityStatement.SearchParamComponent
                {
                    Name = "date", Type = SearchParamType.Date, Documentation = "effective time; prefixes eq, ne, gt, lt, ge, le; repeat to bound a range.",
                });
            }

            rest.Resource.Add(resource);
        }

        rest.Interaction.Add(new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.Transaction });
        rest.Interaction.Add(new CapabilityStatement.SystemInteractionComponent { Code = CapabilityStatement.SystemRestfulInteraction.Batch });

        var statement = new CapabilityStatement
        {
            Id = "crsmonitor",
            Url = "https://crsmonitor.org/fhir/CapabilityStatement/crsmonitor",
            Name = "CrsMonitor",
            Title = "CrsMonitor FHIR R4 ingest",
            Status = PublicationStatus.Active,
            Date = now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Kind = CapabilityStatementKind.Instance,
            Software = new CapabilityStatement.SoftwareComponent { Name = "CrsMonitor" },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = "CrsMonitor CRS/ICANS monitoring" },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["json"],
        };
        statement.Rest.Add(rest);
        return statement;
    }
}
