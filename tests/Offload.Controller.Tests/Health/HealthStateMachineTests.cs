using Offload.Controller.Health;
using Offload.Tests.Common;
using Xunit;

namespace Offload.Controller.Tests.Health;

public sealed class HealthStateMachineTests
{
    private readonly ManualTime _time = new();

    private HealthStateMachine Machine() => new(new HealthPolicy(), _time);

    [Fact]
    public void ThreeFailures_HoldDown_SuspendedSixtySeconds_ThenThreeSuccessesToUp()
    {
        var machine = Machine();
        Assert.Null(machine.Observe(false, "refused"));
        Assert.Null(machine.Observe(false, "refused"));
        var down = machine.Observe(false, "refused");
        Assert.Equal((HealthState.Up, HealthState.HoldDown), (down!.From, down.To));
        Assert.Equal("3 consecutive failures: refused", down.Reason);

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(machine.ShouldProbe(out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(machine.ShouldProbe(out var resumed));
        Assert.Equal(HealthState.Recovering, resumed!.To);

        Assert.Null(machine.Observe(true, "ok"));
        Assert.Null(machine.Observe(true, "ok"));
        Assert.Equal(HealthState.Up, machine.Observe(true, "ok")!.To);
    }

    [Fact]
    public void FailureWhileRecovering_BackToHoldDown_AndAFailureInBetweenResetsTheCount()
    {
        var machine = Machine();
        for (var i = 0; i < 3; i++)
            machine.Observe(false, "timeout");
        _time.Advance(TimeSpan.FromMinutes(1));
        machine.ShouldProbe(out _);
        machine.Observe(true, "ok");
        Assert.Equal(HealthState.HoldDown, machine.Observe(false, "reset")!.To);

        var up = Machine();
        up.Observe(false, "x");
        up.Observe(false, "x");
        up.Observe(true, "ok");
        up.Observe(false, "x");
        up.Observe(false, "x");
        Assert.Equal(HealthState.Up, up.State);
    }

    [Fact]
    public void AgentNotRunning_HoldDownAtOnce_UntilRunning_ThenTheHoldDownPeriod()
    {
        var machine = Machine();
        Assert.Equal("node agent reports NOT RUNNING", machine.AgentReported(ServiceState.NotRunning)!.Reason);
        Assert.Null(machine.AgentReported(ServiceState.Starting));
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(machine.ShouldProbe(out _));
        Assert.Null(machine.AgentReported(ServiceState.Running));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(machine.ShouldProbe(out _));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(machine.ShouldProbe(out _));
        Assert.Equal(HealthState.Recovering, machine.State);
    }
}
