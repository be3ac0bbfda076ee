using System.Management.Automation;
using PveTokens.Commands;
using PveTokens.Tests.Infrastructure;

namespace PveTokens.Tests.Reliability;

/// <summary>
/// An exception no cmdlet maps (a bug) ends the command as UnexpectedError with its message scrubbed,
/// in every block, while PowerShell's own flow (terminating errors, -ErrorAction Stop, stops) passes.
/// </summary>
public sealed class UnexpectedErrorTests
{
    private const string Secret = "6a8c0e2f-4b6d-4f8a-9c1e-3b5d7f9a1c3e";

    [Theory]
    [InlineData("Begin")]
    [InlineData("Process")]
    [InlineData("End")]
    public void An_unmapped_exception_becomes_UnexpectedError_without_the_secret_it_quotes(string block)
    {
        using var ps = new PowerShellHost();
        PsResult r = ps.Run(
            "Import-Module -Assembly ([PveTokens.Tests.Reliability.InvokeFaultCommand].Assembly); Invoke-PveTestFault -In $block -Text $text",
            new() { ["block"] = block, ["text"] = "ci@pve!deploy=" + Secret });

        ErrorRecord e = Assert.Single(r.Errors);
        Assert.Equal("UnexpectedError,PveTokens.Tests.Reliability.InvokeFaultCommand", e.FullyQualifiedErrorId);
        string shown = e.ErrorDetails.Message + "\n" + e.Exception + "\n" + string.Join("\n", ps.Run("$Error | Format-List * -Force | Out-String -Width 400").Output);
        Assert.DoesNotContain(Secret, shown, StringComparison.Ordinal);
        Assert.Contains("PveTokens failed unexpectedly (System.FormatException: cannot parse ci@pve!deploy=***).", e.ErrorDetails.Message, StringComparison.Ordinal);
        Assert.Contains("This is a bug in PveTokens", e.ErrorDetails.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Terminating_errors_and_ErrorAction_Stop_pass_through_unchanged()
    {
        using var ps = new PowerShellHost();
        PsResult terminating = ps.Run("Import-Module -Assembly ([PveTokens.Tests.Reliability.InvokeFaultCommand].Assembly); Invoke-PveTestFault -In Process -Terminate");
        Assert.Equal("TestTerminating,PveTokens.Tests.Reliability.InvokeFaultCommand", Assert.Single(terminating.Errors).FullyQualifiedErrorId);

        PsResult stop = ps.Run("try { Invoke-PveTestFault -In Process -NonTerminating -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }");
        Assert.Equal("TestNonTerminating,PveTokens.Tests.Reliability.InvokeFaultCommand", Assert.Single(stop.Output).ToString());

        PsResult first = ps.Run("Invoke-PveTestFault -In Process -Output 5 | Select-Object -First 1");
        Assert.Empty(first.Errors);
        Assert.Equal(1, Assert.Single(first.Output).BaseObject);
    }

    [Fact]
    public void Every_exported_cmdlet_runs_its_blocks_through_the_guard()
    {
        Type[] cmdlets = typeof(PveCmdletBase).Assembly.GetTypes().Where(t => t.GetCustomAttributes(typeof(CmdletAttribute), false).Length > 0).ToArray();
        Assert.True(cmdlets.Length > 20);
        Assert.All(cmdlets, t => Assert.True(typeof(PveCmdletBase).IsAssignableFrom(t), $"{t.Name} does not derive from PveCmdletBase, so its exceptions escape unmapped"));
    }
}

/// <summary>A cmdlet that fails on request, to drive <see cref="UnexpectedErrorTests"/>.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "PveTestFault")]
public sealed class InvokeFaultCommand : PveCmdletBase
{
    [Parameter]
    public string In { get; set; } = "Process";

    [Parameter]
    public string Text { get; set; } = string.Empty;

    [Parameter]
    public SwitchParameter Terminate { get; set; }

    [Parameter]
    public SwitchParameter NonTerminating { get; set; }

    [Parameter]
    public int Output { get; set; }

    protected override void Begin() => FailIf("Begin");

    protected override void Process()
    {
        for (int i = 1; i <= Output; i++)
        {
            WriteObject(i);
        }

        if (Terminate)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("terminating"), "TestTerminating", ErrorCategory.InvalidOperation, null));
        }

        if (NonTerminating)
        {
            WriteError(new ErrorRecord(new InvalidOperationException("non-terminating"), "TestNonTerminating", ErrorCategory.InvalidOperation, null));
        }

        FailIf("Process");
    }

    protected override void End() => FailIf("End");

    private void FailIf(string block)
    {
        if (string.Equals(In, block, StringComparison.Ordinal) && Text.Length > 0)
        {
            throw new FormatException("cannot parse " + Text);
        }
    }
}
