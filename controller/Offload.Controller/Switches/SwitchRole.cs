namespace Offload.Controller.Switches;

/// <summary>
/// What a switch does for its group. A switch without a group is <see cref="Alone"/>; in a group, the
/// <see cref="Active"/> one holds the virtual MAC and carries the traffic, a <see cref="Standby"/> holds every
/// connection route (not aging) and answers for nothing. <see cref="Unassigned"/> until the group has decided.
/// </summary>
public enum SwitchRole { Unassigned, Alone, Active, Standby }
