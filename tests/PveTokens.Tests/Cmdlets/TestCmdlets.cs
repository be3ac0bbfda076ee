using System.Management.Automation;
using System.Text.Json;
using PveTokens.Commands;
using PveTokens.Models;

namespace PveTokens.Tests.Cmdlets;

/// <summary>
/// A test double of a later cmdlet: derives from the module's session base and GETs a path, so the
/// base's contract (session resolution, -Session by property name, verbose lines, error mapping,
/// cancellation) can be tested before real endpoint cmdlets exist.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "PveGet")]
[OutputType(typeof(string))]
public sealed class TestPveGetCommand : PveSessionCmdletBase
{
    [Parameter(Position = 0)]
    public string Path { get; set; } = "/version";

    protected override void ProcessRecordCore(PveSession session)
    {
        JsonElement data = Run(ct => session.Client.SendAsync(System.Net.Http.HttpMethod.Get, Path, null,
            PveTokens.Client.PveClient.ReadDataElementAsync, ct));
        WriteObject(session.Server.Authority + " " + data.GetRawText());
    }
}
