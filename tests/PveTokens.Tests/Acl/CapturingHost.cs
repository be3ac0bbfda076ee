using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace PveTokens.Tests.Acl;

/// <summary>
/// A PowerShell host that records what cmdlets write to the host (the -WhatIf lines of
/// ShouldProcess go there, not to any stream), so tests can read them.
/// </summary>
public sealed class CapturingHost : PSHost
{
    private readonly CapturingUI _ui = new();

    public override string Name => "PveTokens.Tests";

    public override Version Version => new(1, 0);

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override PSHostUserInterface UI => _ui;

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    /// <summary>Lines written to the host since the last <see cref="TakeLines"/>.</summary>
    public IReadOnlyList<string> TakeLines() => _ui.Take();

    public override void SetShouldExit(int exitCode)
    {
    }

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    private sealed class CapturingUI : PSHostUserInterface
    {
        private readonly List<string> _lines = new();
        private string _partial = string.Empty;

        public override PSHostRawUserInterface? RawUI => null;

        public IReadOnlyList<string> Take()
        {
            lock (_lines)
            {
                var copy = _lines.ToList();
                _lines.Clear();
                return copy;
            }
        }

        public override void Write(string value) => _partial += value;

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);

        public override void WriteLine(string value)
        {
            lock (_lines)
            {
                _lines.Add(_partial + value);
                _partial = string.Empty;
            }
        }

        public override void WriteErrorLine(string value) => WriteLine(value);

        public override void WriteDebugLine(string message)
        {
        }

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override void WriteVerboseLine(string message)
        {
        }

        public override void WriteWarningLine(string message)
        {
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) =>
            throw new NotSupportedException("No prompts in tests.");

        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) =>
            throw new NotSupportedException("No prompts in tests.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException("No prompts in tests.");

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
            PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new NotSupportedException("No prompts in tests.");

        public override string ReadLine() => throw new NotSupportedException("No input in tests.");

        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("No input in tests.");
    }
}
